package filters

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// computeFault is the body of nova's and cinder's wsgi.Fault for a 500.
type computeFault struct {
	Fault struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"computeFault"`
}

// FaultWrapperOptions are the options of the fault_wrapper filter: it
// has none.
type FaultWrapperOptions struct{}

// NewFaultWrapper returns the FaultWrapper of nova and cinder
// (nova.api.openstack:FaultWrapper.factory): whatever goes
// wrong below it, the client gets the service's own JSON fault,
//
//	{"computeFault": {"code": 500, "message": "The server has either erred or is incapable of performing the requested operation."}}
//
// (cinder kept nova's "computeFault" name), and the operator gets the
// details in the log. It is catch_errors with the projects' fault body:
// a panic is logged with the method, path, headers with secrets masked,
// the panic value and the stack; neither the value nor the stack goes to
// the client (nova and cinder leave the explanation empty for the same
// reason, LP #868360). After the status line has gone out the connection
// is aborted instead.
//
// What the Python filters do and this one does not: turn an exception
// that carries an HTTP status (a webob error, nova's and cinder's
// exceptions with a code) into a fault with that status, and show the
// message of exceptions marked "safe". Go handlers answer their own
// errors; only a panic reaches this filter, and a panic is a 500.
func NewFaultWrapper(FaultWrapperOptions) (func(http.Handler) http.Handler, error) {
	var f computeFault
	f.Fault.Code = http.StatusInternalServerError
	f.Fault.Message = internalErrorMessage
	body, _ := json.Marshal(f)
	return recoverPanics("Caught error", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		h.Del("Content-Encoding")
		w.WriteHeader(http.StatusInternalServerError)
		if r.Method != http.MethodHead {
			w.Write(body)
		}
	}), nil
}
