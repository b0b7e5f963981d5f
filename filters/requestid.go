package filters

import (
	"net/http"
	"net/textproto"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/reqlog"
	"github.com/pasteserve/pasteserve/request"
	"github.com/rs/zerolog"
)

// RequestIDFilter is the request_id factory. Option: compat_headers, more
// response headers to carry the id (nova's x-compute-request-id).
//
// request_id is oslo.middleware's RequestId: every request gets a new
// local id, req-<uuid4>, returned in x-openstack-request-id. A client (or
// an upstream service) may send its own id in X-OpenStack-Request-ID;
// it is kept as the *global* request id, which ties together the
// requests of one user action across services, but only when it is a
// well-formed req-<uuid>: anything else is ignored, so a client cannot
// inject text into logs. The local id is never taken from the client.
func RequestIDFilter(cfg *factory.Config) (factory.Middleware, error) {
	return newRequestIDFilter(cfg)
}

// ComputeReqID is the compute_req_id factory: nova's
// ComputeReqIdMiddleware is RequestId with nova's older response header
// as well.
func ComputeReqID(cfg *factory.Config) (factory.Middleware, error) {
	return newRequestIDFilter(cfg, "x-compute-request-id")
}

func newRequestIDFilter(cfg *factory.Config, compat ...string) (factory.Middleware, error) {
	if _, ok := cfg.Get("compat_headers"); ok {
		compat = cfg.List("compat_headers")
	}
	headers := []string{request.IDHeader}
	for _, h := range compat {
		headers = append(headers, textproto.CanonicalMIMEHeaderKey(h))
	}
	if err := cfg.Err(); err != nil {
		return nil, err
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// The server has normally given the request its id already
			// (and put it in the request's logger): it is new for this
			// request, as oslo's is, so it is used rather than a second
			// one.
			ctx := r.Context()
			h := w.Header()
			local := request.ID(ctx)
			// value is the id as x-openstack-request-id's value: the
			// server's, already in the header, or a new one's, from a
			// batch made ahead (request.NewIDHeader), so that neither
			// costs an allocation per request.
			var value []string
			if local == "" {
				value = request.NewIDHeader()
				local = value[0]
				ctx = request.WithID(ctx, local)
				ctx = reqlog.AddFields(ctx, func(c zerolog.Context) zerolog.Context {
					return c.Str("request_id", local)
				})
			} else if v := h[request.IDHeader]; len(v) == 1 && v[0] == local {
				value = v
			}
			if g := r.Header.Get(request.IDHeader); request.ValidID(g) {
				ctx = request.WithGlobalID(ctx, g)
				ctx = reqlog.AddFields(ctx, func(c zerolog.Context) zerolog.Context {
					return c.Str("global_request_id", g)
				})
			}
			// oslo adds the header after the app unless the app set it;
			// setting it first lets the app's Set win the same way, and
			// puts the id on responses written by filters inside (a
			// catch_errors 500) without wrapping the writer. The
			// compat headers get values of their own.
			for i, name := range headers {
				if i == 0 && value != nil {
					h[name] = value
					continue
				}
				h[name] = []string{local}
			}
			if ctx != r.Context() {
				r = r.WithContext(ctx)
			}
			next.ServeHTTP(w, r)
		})
	}, nil
}
