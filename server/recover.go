package server

import (
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/redact"
)

// recoverPanics turns a panic in next into a 500 (answerPanic) whose
// body says only that unless debugBody (wsgi_server_debug); the panic
// and its stack go to the request's log. http.ErrAbortHandler, which
// asks net/http to abort the response, is passed on.
func recoverPanics(debugBody bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if p := recover(); p != nil {
					answerPanic(w, r, p, debugBody)
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// answerPanic logs a panic with its stack and answers 500; the body
// carries the panic only with debugBody (wsgi_server_debug). The panic
// value is masked as redact.Text masks it, in both.
func answerPanic(w http.ResponseWriter, r *http.Request, p any, debugBody bool) {
	if p == http.ErrAbortHandler {
		panic(p)
	}
	stack := debug.Stack()
	// The panic value is often an error that quotes a connection URL.
	msg := redact.Text(fmt.Sprint(p))
	zerolog.Ctx(r.Context()).Error().Str("panic", msg).Bytes("stack", stack).Msg("request panicked")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Connection", "close")
	w.WriteHeader(http.StatusInternalServerError)
	if debugBody {
		fmt.Fprintf(w, "500 Internal Server Error\n\npanic: %s\n\n%s", msg, stack)
		return
	}
	fmt.Fprintln(w, "500 Internal Server Error")
}
