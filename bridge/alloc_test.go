package bridge

import (
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
)

// goPool is an HTTP server on a unix socket in gunicorn's place, with
// the Client that reaches it: what the Go side of a request through the
// bridge costs, without Python.
func goPool(tb testing.TB) *Client {
	tb.Helper()
	socket := filepath.Join(tb.TempDir(), "python.sock")
	l, err := net.Listen("unix", socket)
	if err != nil {
		tb.Fatal(err)
	}
	body := []byte(`{"ok": true}` + "\n")
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})}
	go srv.Serve(l)
	tb.Cleanup(func() { srv.Close() })
	return newClient(socket, make([]byte, keyLen))
}

// forward is one request through h, answered whole.
func forward(tb testing.TB, h http.Handler, req *http.Request) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != 200 {
		tb.Fatalf("status %d: %s", w.Code, w.Body)
	}
}

// BenchmarkHandler forwards requests through the bridge's Handler to a
// small answer, 8 at a time (the pool's default 2 workers x 4 threads).
func BenchmarkHandler(b *testing.B) {
	h := goPool(b).Handler(Tail{Key: "t"})
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest("GET", "/v1/things", nil)
		for pb.Next() {
			forward(b, h, req)
		}
	})
}

// A request through the bridge allocates a few KB in Go: the response
// body is copied with a pooled buffer, not a new 32 KB one each time.
func TestHandlerAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("skipping: the race detector's allocations would be counted")
	}
	h := goPool(t).Handler(Tail{Key: "t"})
	req := httptest.NewRequest("GET", "/v1/things", nil)
	forward(t, h, req) // the connection
	r := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			forward(b, h, req)
		}
	})
	if n := r.AllocedBytesPerOp(); n > 16<<10 {
		t.Errorf("a request through the bridge allocates %d bytes", n)
	}
	t.Logf("%d B and %d allocations a request", r.AllocedBytesPerOp(), r.AllocsPerOp())
}
