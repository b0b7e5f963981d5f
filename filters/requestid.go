package filters

import (
	"net/http"
	"net/textproto"

	"github.com/pasteserve/pasteserve/reqlog"
	"github.com/pasteserve/pasteserve/request"
)

// RequestIDOptions are the options of the request_id and compute_req_id
// filters.
type RequestIDOptions struct {
	// CompatHeaders are more response headers to carry the request's
	// local id besides x-openstack-request-id, such as nova's older
	// x-compute-request-id. A paste file that gives compat_headers
	// replaces the default list (an empty value means none).
	CompatHeaders []string `paste:"compat_headers,doc=more response headers that carry the request id (nova's x-compute-request-id)"`
}

// DefaultComputeReqIDOptions are compute_req_id's: request_id with nova's
// older response header, x-compute-request-id, as well. request_id's
// defaults are the zero value (no compat headers).
func DefaultComputeReqIDOptions() RequestIDOptions {
	return RequestIDOptions{CompatHeaders: []string{"x-compute-request-id"}}
}

// NewRequestID returns oslo.middleware's RequestId
// (egg:oslo.middleware#request_id): every request gets a new local id,
// req-<uuid4>, returned in x-openstack-request-id (and in each of
// o.CompatHeaders). A client (or an upstream service) may send its own id
// in X-OpenStack-Request-ID; it is kept as the *global* request id,
// which ties together the requests of one user action across services,
// but only when it is a well-formed req-<uuid>: anything else is
// ignored, so a client cannot inject text into logs. The local id is
// never taken from the client.
//
// nova's ComputeReqIdMiddleware (compute_req_id) is this filter with
// DefaultComputeReqIDOptions.
//
// Behind pasteserve's server, which gives every request its id before
// the pipeline runs (assign_request_id), the filter uses that id rather
// than a second one, and costs no allocation unless the client sent a
// global id.
func NewRequestID(o RequestIDOptions) (func(http.Handler) http.Handler, error) {
	headers := []string{request.IDHeader}
	for _, h := range o.CompatHeaders {
		headers = append(headers, textproto.CanonicalMIMEHeaderKey(h))
	}
	return func(next http.Handler) http.Handler {
		return &requestID{headers: headers, next: next}
	}, nil
}

// requestID is the request_id filter's handler: a method rather than a
// closure, so that what it allocates per request is only what escapes.
type requestID struct {
	headers []string // IDHeader first, then the compat headers, canonical
	next    http.Handler
}

// requestIDState is what the filter allocates for a request that came
// without an id (outside pasteserve's server): the request's copy and
// the context that carries the id, in one value.
type requestIDState struct {
	ctx request.IDContext
	req http.Request
}

func (f *requestID) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The server has normally given the request its id already (and put
	// it in the request's logger): it is new for this request, as oslo's
	// is, so it is used rather than a second one.
	ctx := r.Context()
	h := w.Header()
	local := request.ID(ctx)
	// value is the id as x-openstack-request-id's value: the server's,
	// already in the header, or a new one's, from a batch made ahead
	// (request.NewIDHeader), so that neither costs an allocation per
	// request.
	var value []string
	var s *requestIDState
	if local == "" {
		value = request.NewIDHeader()
		local = value[0]
		s = new(requestIDState)
		s.ctx.Init(ctx, local)
		ctx = reqlog.AddStr(&s.ctx, "request_id", local)
	} else if v := h[request.IDHeader]; len(v) == 1 && v[0] == local {
		value = v
	}
	if g := r.Header[request.IDHeader]; len(g) > 0 && request.ValidID(g[0]) {
		global := g[0]
		// In the request's IDContext, the server's or s's, in place (as
		// oslo puts it in the shared environ); a request whose id came
		// otherwise (request.WithID) gets a context of its own.
		if !request.SetGlobalID(ctx, global) {
			s = new(requestIDState)
			s.ctx.Init(ctx, local)
			s.ctx.SetGlobalID(global)
			ctx = &s.ctx
		}
		ctx = reqlog.AddStr(ctx, "global_request_id", global)
	}
	// oslo adds the header after the app unless the app set it; setting
	// it first lets the app's Set win the same way, and puts the id on
	// responses written by filters inside (a catch_errors 500) without
	// wrapping the writer. The compat headers share the value's one-item
	// slice: Header.Set and Add replace or copy it, never write into it.
	if value == nil {
		value = []string{local}
	}
	for _, name := range f.headers {
		h[name] = value
	}
	switch {
	case s != nil:
		s.req = *r.WithContext(ctx)
		r = &s.req
	case ctx != r.Context():
		r = r.WithContext(ctx)
	}
	f.next.ServeHTTP(w, r)
}
