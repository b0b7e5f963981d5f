package server

import (
	"net/http"

	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/request"
)

// requestLogger gives each request its own logger, so that filters can
// add fields (the request id, the user) that every later line about the
// request carries, the access log's included.
//
// With assign (assign_request_id), the request also gets its id here: a
// new req-<uuid4>, in the logger, in the context (request.ID,
// which the request_id filter then uses rather than making another) and
// in x-openstack-request-id on the response. neutron answers its
// versions document and /healthcheck without one, since those pipelines
// have no request_id filter; with pasteserve every response, a 431 or
// 503 from the server's own limits included, can be found in the logs.
// The header is set before the pipeline runs, so a pipeline that sets
// its own (a proxied service's) replaces it.
//
// Without assign the logger is still copied with With, which costs a
// 500-byte buffer: layers add fields to the request's logger in place
// (zerolog's UpdateContext, as the request_id filter and hlog do), and a
// plain copy of the server's logger shares its field buffer with every
// other request's, whose fields would then land in each other's lines
// (TestRequestLoggerIsPerRequest).
func requestLogger(log zerolog.Logger, assign bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var l zerolog.Logger
		if assign {
			id := request.NewID()
			w.Header()[request.IDHeader] = []string{id}
			ctx = request.WithID(ctx, id)
			l = log.With().Str("request_id", id).Logger()
		} else {
			l = log.With().Logger()
		}
		next.ServeHTTP(w, r.WithContext(l.WithContext(ctx)))
	})
}
