// Package fault writes the JSON error answer webob gives an HTTP
// exception when the client accepts JSON, which is what OpenStack's
// middleware (oslo.middleware's catch_errors and sizelimit,
// keystonemiddleware's 503, keystonecontext's 401) answers:
//
//	{"code": "500 Internal Server Error", "title": "Internal Server Error",
//	 "message": "...", "request_id": "req-..."}
//
// with the request id added when there is one, so that a user can quote
// it to an operator. The filters and the token filters answer with it;
// a service's own fault bodies (nova's {"computeFault": ...}) are the
// filters' that make them.
package fault

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/pasteserve/pasteserve/request"
)

// Body is a fault's JSON body. Code is the status line ("401
// Unauthorized"), Title its reason phrase, RequestID request.ID of the
// request, left out when empty.
type Body struct {
	Code      string `json:"code"`
	Title     string `json:"title"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

// Write answers status with a JSON fault saying message. Nothing of the
// failure itself (error text, stack) goes into it: those are logged. It
// replaces a Content-Encoding a handler had set, since the body is not
// encoded, and writes no body to a HEAD request.
func Write(w http.ResponseWriter, r *http.Request, status int, message string) {
	title := http.StatusText(status)
	body, _ := json.Marshal(Body{
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
