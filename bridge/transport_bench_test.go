package bridge

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"
)

// BenchmarkTransport forwards a request through httputil.ReverseProxy
// to a small answer from an HTTP server on a unix socket (gunicorn's
// place), with the bridge's transport and, for comparison, with
// net/http's Transport set up as the bridge had it: what a request
// costs the Go side of the bridge, server included, 8 at a time (the
// pool's default 2 workers x 4 threads).
func BenchmarkTransport(b *testing.B) {
	body := []byte(`{"ok": true}` + "\n")
	s := newUnixServer(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	d := &net.Dialer{}
	dial := func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "unix", s.socket) }
	for _, tc := range []struct {
		name string
		rt   http.RoundTripper
	}{
		{"bridge", &transport{dial: dial, maxIdle: 256, idleTimeout: time.Minute}},
		{"net-http", &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return dial(ctx) },
			DisableCompression: true, MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			target, _ := url.Parse("http://python")
			proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }, Transport: tc.rt, FlushInterval: -1, BufferPool: copyBuffers}
			b.ReportAllocs()
			b.SetParallelism(4) // 8 at a time on 2 CPUs
			b.RunParallel(func(pb *testing.PB) {
				req := httptest.NewRequest("GET", "/", nil)
				for pb.Next() {
					w := httptest.NewRecorder()
					proxy.ServeHTTP(w, req)
					if w.Code != 200 {
						b.Errorf("status %d", w.Code)
						return
					}
					io.Discard.Write(w.Body.Bytes())
				}
			})
		})
	}
}
