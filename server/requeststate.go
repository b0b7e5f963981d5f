package server

import (
	"context"
	"net/http"

	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/reqlog"
	"github.com/pasteserve/pasteserve/request"
)

// requestLogger gives each request its logger and, with assign
// (assign_request_id), its id, so that filters can add fields (the
// user) that every later line about the request carries, the access
// log's included.
//
// With assign, the request gets a new req-<uuid4> id here: in its
// logger, in its context (request.ID, which the request_id filter then
// uses rather than making another) and in x-openstack-request-id on the
// response. neutron answers its versions document and /healthcheck
// without one, since those pipelines have no request_id filter; with
// pasteserve every response, a 431 or 503 from the server's own limits
// included, can be found in the logs. The header is set before the
// pipeline runs, so a pipeline that sets its own (a proxied service's)
// replaces it.
//
// It runs on every request, so everything it keeps is in one value
// (requestState), one allocation per request, which holds the copy of
// the Request net/http needs to carry a context of the handler's own
// (Request.WithContext): the id, which comes from a batch made ahead
// (request.NewIDHeader), and the logger, kept as fields until a line
// other than the access line needs it (reqlog.Record). A copy of the
// server's logger per request (zerolog's With, a 500-byte buffer) would
// be the way to give each request a logger of its own without that:
// layers add fields to the request's logger in place (zerolog's
// UpdateContext, as hlog does), and a logger shared by requests would
// mix their fields up (TestRequestLoggerIsPerRequest).
func requestLogger(log zerolog.Logger, assign bool, next http.Handler) http.Handler {
	return &stateHandler{base: &log, assign: assign, next: next}
}

// stateHandler is requestLogger's handler: a method, compiled once,
// rather than a closure, which the compiler copies into each caller it
// inlines requestLogger into, and in those copies may not keep
// Request.WithContext's copy off the heap.
type stateHandler struct {
	base   *zerolog.Logger
	assign bool
	next   http.Handler
}

func (h *stateHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := new(requestState)
	s.log.Init(r.Context(), h.base)
	s.Context = &s.log
	if h.assign {
		v := request.NewIDHeader()
		w.Header()[request.IDHeader] = v
		s.id.Init(&s.log, v[0])
		s.log.Str("request_id", v[0])
		s.Context = &s.id
	}
	s.req = *r.WithContext(s)
	h.next.ServeHTTP(w, &s.req)
}

// requestState is what the server keeps about one request, allocated
// once for it by requestLogger: the request as the layers inside see it
// and its context, which carries the id and the logger; and what the
// access log needs per request, so that it allocates nothing of its own.
// It is the request's context: the layers inside find it there
// (stateOf).
type requestState struct {
	context.Context // &id, or &log without an id
	id              request.IDContext
	log             reqlog.Record
	req             http.Request
	access          accessWriter
	// line is where the access log writes its request line and message,
	// which stay the request's: the strings made from it are never
	// written over.
	line [192]byte
}

type stateKey struct{}

// Value answers stateKey with s; other keys are s's context's.
func (s *requestState) Value(key any) any {
	if _, ok := key.(stateKey); ok {
		return s
	}
	return s.Context.Value(key)
}

// stateOf returns the server's state of r, nil for a request that did
// not come through requestLogger.
func stateOf(r *http.Request) *requestState {
	s, _ := r.Context().Value(stateKey{}).(*requestState)
	return s
}
