package server

import "net/http"

// guard applies the server's per-request limits around next, each a
// middleware of its own, outermost first:
//
//   - closeUnframed: a request that came with Transfer-Encoding (chunked,
//     in HTTP/1.1), or as HTTP/1.0 asking for keep-alive, is answered
//     with Connection: close;
//   - headerLimits: a header line longer than max_header_line, or the
//     request line and headers together larger than max_header_size,
//     get 431 with a body that says which; within them, request
//     headers whose names contain '_' are dropped (underscore.go);
//   - serverOptions: "OPTIONS *" is answered here;
//   - poolLimit: beyond wsgi_default_pool_size requests at once, 503
//     with Retry-After at once;
//   - stallLimit: over HTTP/2, a stream whose client grants it no
//     flow-control window for the no-progress limit is reset (over
//     HTTP/1 the connection does that, wireConn);
//   - recoverPanics: a panic becomes a 500 whose body says only that
//     unless wsgi_server_debug is on; the panic and its stack go to the
//     log.
//
// They run on every request, and allocate nothing but what an answer of
// their own needs.
func guard(o Options, next http.Handler) http.Handler {
	for _, m := range []func(http.Handler) http.Handler{
		recoverPanics(o.Debug),
		stallLimit(noProgressLimit(o), o.WriteTimeout),
		poolLimit(o.PoolSize),
		serverOptions,
		headerLimits(o.MaxHeaderLine, o.MaxHeaderSize),
		closeUnframed,
	} {
		next = m(next)
	}
	return next
}
