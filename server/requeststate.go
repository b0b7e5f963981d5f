package server

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

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
// (requestState): the id, which comes from a batch made ahead
// (request.NewIDHeader), the logger, kept as fields until a line other
// than the access line needs it (reqlog.Record), and what the access
// log needs. A copy of the server's logger per request (zerolog's With,
// a 500-byte buffer) would be the way to give each request a logger of
// its own without that: layers add fields to the request's logger in
// place (zerolog's UpdateContext, as hlog does), and a logger shared by
// requests would mix their fields up (TestRequestLoggerIsPerRequest).
//
// Over HTTP/1, where net/http serves a connection's requests one at a
// time, that value is the connection's (connState), made once with it
// and reused by each of its requests, and the request is handed on as
// net/http made it: its context already leads to the connection's, so
// it needs no copy of its own (Request.WithContext), and the server
// allocates nothing per request. An HTTP/2 stream, which shares its
// connection with others at the same time, and a request that did not
// come through the server's listener (a test's), get a value of their
// own, with the copy of the Request that carries it: one allocation.
//
// The requests' loggers are the server's with one more hook,
// accessMessage, which writes the access line's message.
func requestLogger(log zerolog.Logger, assign bool, next http.Handler) http.Handler {
	base := log.Hook(accessMessage{})
	return &stateHandler{base: &base, assign: assign, next: next}
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
	if c := connStateOf(r); c != nil && c.begin() {
		defer c.end()
		c.slots.Init(c.Context)
		h.init(&c.st, w, &c.slots)
		h.next.ServeHTTP(w, r)
		return
	}
	s := new(ownState)
	h.init(&s.requestState, w, r.Context())
	s.req = *r.WithContext(s)
	h.next.ServeHTTP(w, &s.req)
}

// init readies s for a request whose context is parent: a new logger,
// with assign a new id, and an access writer with nothing counted.
func (h *stateHandler) init(s *requestState, w http.ResponseWriter, parent context.Context) {
	s.log.Init(parent, h.base)
	s.Context = &s.log
	if h.assign {
		v := request.NewIDHeader()
		w.Header()[request.IDHeader] = v
		s.id.Init(&s.log, v[0])
		s.log.Str("request_id", v[0])
		s.Context = &s.id
	}
	s.access = accessWriter{}
}

// requestState is what the server keeps about one request: its context,
// which carries the id and the logger, and what the access log needs
// per request, so that it allocates nothing of its own. It is the
// request's context (or, over HTTP/1, what the connection's context
// answers with while the request's handler runs): the layers inside find
// it there (stateOf).
type requestState struct {
	context.Context // &id, or &log without an id
	id              request.IDContext
	log             reqlog.Record
	access          accessWriter
	// metrics is what the request metrics keep (metrics.go); untouched
	// without admin_bind.
	metrics metricsState
	// line is where the access log writes its fields and message,
	// which the line's writer has copied by the time the access log
	// returns; it is written over by the connection's next request.
	line [384]byte
	// message is the access line's message, JSON-escaped and quoted,
	// while the access log writes the line (accessMessage).
	message []byte
	// ended is when the request ended, while the access log writes the
	// line: the line's time (LineTime), so that the clock is read once
	// for the time the request took and the line's time field.
	ended time.Time
}

// LineTime is reqlog.LineTimer's: the time the access log read when the
// request ended, while it writes the request's line; none otherwise.
func (s *requestState) LineTime() (time.Time, bool) { return s.ended, !s.ended.IsZero() }

// ownState is the state of a request that gets one of its own (an
// HTTP/2 stream's, a test's), with the copy of the Request whose
// context it is.
type ownState struct {
	requestState
	req http.Request
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

// connState is the context connContext gives a connection the server
// accepted (net/http derives each request's context from it), and the
// state of its HTTP/1 requests, which net/http serves one at a time on
// the connection's goroutine: it is made with the connection (in its
// wireConn) and reused by each request.
//
// While a request's handler runs (begin to end), the connection's
// context answers with the request's state: its id, its logger, what
// the access log keeps, and the connection's request.ConnSlots. Outside that it answers with none of them: a
// context kept past its handler's return (context.WithoutCancel, for
// work after the response) has no request id and no request logger,
// and once the connection's next request begins it has that request's.
// What was taken from the context while the handler ran stays the
// request's: the id is a string, and a logger taken (zerolog.Ctx) is a
// value of its own (reqlog.Record). This is the rule net/http has for
// the Request itself, which a handler must not use after it returns;
// background work takes what it needs first.
//
// HTTP/2 streams run at once on one connection, and never use it: their
// requests get a state of their own (ProtoMajor 2).
type connState struct {
	context.Context // the connection's, as net/http made it
	// wc is answered for wireConnKey when the connection is plain text
	// (its phases are watched, inHandler); nil over TLS.
	wc *wireConn
	// busy is set while a request's handler uses st; a second request
	// at the same time (none, over HTTP/1, but for a test that serves
	// one request value from several goroutines) gets a state of its
	// own rather than st. Atomic, since a context kept past its handler
	// may be asked from another goroutine.
	busy atomic.Bool
	st   requestState
	// slots are the connection's request.ConnSlots, which its requests'
	// contexts lead to, after st's values: what filters keep for the
	// connection's requests rather than allocate per request.
	slots request.ConnSlots
}

// connStateKey asks a request's context for its connection's connState.
type connStateKey struct{}

// connStateOf returns the connState of r's connection, nil when r has
// none or is an HTTP/2 stream.
func connStateOf(r *http.Request) *connState {
	if r.ProtoMajor != 1 {
		return nil
	}
	c, _ := r.Context().Value(connStateKey{}).(*connState)
	return c
}

// begin makes st the state of a request whose handler starts now, and
// reports whether it could (st is not in use).
func (c *connState) begin() bool { return c.busy.CompareAndSwap(false, true) }

// end is begin's counterpart, when the request's handler has returned.
// The access writer lets go of net/http's writer, so that an idle
// connection keeps nothing of its last request but the strings of its
// id and fields.
func (c *connState) end() {
	c.st.access.ResponseWriter = nil
	c.busy.Store(false)
}

// Value answers wireConnKey (plain text only) and connStateKey, and,
// while a request's handler runs, what that request's state answers;
// other keys are the connection's context's.
func (c *connState) Value(key any) any {
	switch key.(type) {
	case connStateKey:
		return c
	case wireConnKey:
		if c.wc != nil {
			return c.wc
		}
	default:
		if c.busy.Load() {
			return c.st.Value(key)
		}
	}
	return c.Context.Value(key)
}
