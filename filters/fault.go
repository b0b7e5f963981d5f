package filters

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/pasteserve/pasteserve/request"
)

// fault is the JSON body webob gives an HTTP exception when the client
// accepts JSON ({"code": "500 Internal Server Error", "title": ...,
// "message": ...}), with the request id added when there is one, so a
// user can quote it to an operator.
type fault struct {
	Code      string `json:"code"`
	Title     string `json:"title"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

// writeFault answers status with a JSON fault. Nothing of the failure
// itself (error text, stack) goes into it: those are logged.
func writeFault(w http.ResponseWriter, r *http.Request, status int, message string) {
	title := http.StatusText(status)
	body, _ := json.Marshal(fault{
		Code:      strconv.Itoa(status) + " " + title,
		Title:     title,
		Message:   message,
		RequestID: request.ID(r.Context()),
	})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Del("Content-Encoding")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}
