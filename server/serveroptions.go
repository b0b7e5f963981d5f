package server

import (
	"io"
	"net/http"
)

// serverOptions answers "OPTIONS *" (see answerServerOptions) and passes
// every other request on.
func serverOptions(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.RequestURI == "*" && r.Method == http.MethodOptions {
			answerServerOptions(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// answerServerOptions answers "OPTIONS *", a question about the server
// rather than a resource, as net/http's own handler for it does: 200,
// no body, and at most 4 KB of the request's body read. net/http's
// handler is turned off (DisableGeneralOptionsHandler) so that this
// answer, like every other, carries the request id and is logged.
func answerServerOptions(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "0")
	if r.ContentLength != 0 {
		io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, 4<<10))
	}
	w.WriteHeader(http.StatusOK)
}
