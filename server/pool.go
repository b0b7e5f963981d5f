package server

import (
	"fmt"
	"net/http"
	"sync/atomic"
)

// poolLimit serves at most size requests at once (wsgi_default_pool_size)
// and answers the ones beyond at once with 503 and Retry-After, rather
// than queueing them without bound. The count is an atomic counter, not
// a channel: a request costs two atomic additions.
func poolLimit(size int) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		var inflight atomic.Int64
		limit := int64(size)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if inflight.Add(1) > limit {
				inflight.Add(-1)
				poolFull(w, size)
				return
			}
			defer inflight.Add(-1)
			next.ServeHTTP(w, r)
		})
	}
}

func poolFull(w http.ResponseWriter, n int) {
	poolRejections.Inc()
	w.Header().Set("Retry-After", "1")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusServiceUnavailable)
	fmt.Fprintf(w, "503 Service Unavailable: this server is already serving %d requests (wsgi_default_pool_size); retry shortly\n", n)
}
