package filters

import (
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/pasteserve/pasteserve/fault"
	"github.com/pasteserve/pasteserve/redact"
	"github.com/pasteserve/pasteserve/reqlog"
	"github.com/pasteserve/pasteserve/request"
)

const internalErrorMessage = "The server has either erred or is incapable of performing the requested operation."

// CatchErrorsOptions are the options of the catch_errors filter: it has
// none, as oslo's has none.
type CatchErrorsOptions struct{}

// NewCatchErrors returns oslo.middleware's CatchErrors
// (egg:oslo.middleware#catch_errors): whatever goes wrong inside it, the
// client gets a plain 500, and the operator gets the details in the log.
//
// In Go "goes wrong" is a panic. The response is a JSON fault with the
// request id and webob's fixed message; neither the panic value nor the
// stack goes to the client (LP #1951429 is about tracebacks in 500
// responses). The log line has the method, path, headers with secrets
// masked as package redact decides (oslo masks X-*-Token since LP
// #1628031; redact masks Authorization, Cookie, X-Auth-Key, X-Api-Key
// and the like too), the panic value and the stack. The path and the
// panic value go through redact too: a panic's message is often an
// error that quotes a connection URL with its password.
//
// If the handler had already sent the status line, a 500 can no longer
// be sent: the connection is aborted (http.ErrAbortHandler) so the
// client sees a truncated response rather than a complete-looking one.
//
// The error is always nil; NewCatchErrors has the shape of every
// filter's constructor.
func NewCatchErrors(CatchErrorsOptions) (func(http.Handler) http.Handler, error) {
	return recoverPanics("An error occurred during processing the request", func(w http.ResponseWriter, r *http.Request) {
		fault.Write(w, r, http.StatusInternalServerError, internalErrorMessage)
	}), nil
}

// recoverPanics is a middleware that turns a panic below it into a log
// line (msg, method, path, masked headers, panic value, stack) and the
// response answer writes, or, when the status line has already gone
// out, an aborted connection. http.ErrAbortHandler passes through.
//
// The writer that remembers whether the status line went out is, over
// HTTP/1 in pasteserve's server, one the middleware keeps in the
// connection's request.ConnSlots and reuses for each of its requests,
// so that a request costs it no allocation.
func recoverPanics(msg string, answer func(w http.ResponseWriter, r *http.Request)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return &panicRecovery{msg: msg, answer: answer, next: next}
	}
}

// panicRecovery is recoverPanics' handler.
type panicRecovery struct {
	msg    string
	answer func(w http.ResponseWriter, r *http.Request)
	next   http.Handler
}

// keptWriter is the responseWriter a panicRecovery keeps in a
// connection's slots.
type keptWriter struct {
	responseWriter
	keptState
}

func (p *panicRecovery) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var rw *responseWriter
	if k := claimKept[keptWriter](r, p); k != nil {
		defer k.done()
		rw = &k.responseWriter
		*rw = responseWriter{ResponseWriter: w}
	} else {
		rw = &responseWriter{ResponseWriter: w}
	}
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			panic(v)
		}
		reqlog.From(r.Context()).Error().
			Str("method", r.Method).
			Str("path", redact.URL(request.ScriptName(r)+r.URL.Path)).
			Interface("headers", redact.Headers(r.Header)).
			Str("panic", redact.Text(fmt.Sprint(v))).
			Bytes("stack", debug.Stack()).
			Msg(p.msg)
		if rw.wroteHeader() {
			panic(http.ErrAbortHandler)
		}
		p.answer(w, r)
	}()
	p.next.ServeHTTP(rw, r)
}

// done lets go of the response's writer and gives k back to its
// connection.
func (k *keptWriter) done() {
	k.responseWriter = responseWriter{}
	k.release()
}
