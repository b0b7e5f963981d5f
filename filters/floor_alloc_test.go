package filters

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pasteserve/pasteserve/request"
)

// Issue 12 holds the built-in filters on a request's path to at most 2
// allocations a request in their own benchmarks (the Served ones: the
// filter in front of the bench app, which allocates 1 itself, on a
// request as the server hands it over). These tests pin what each costs
// now, with the same loop as benchServed, so that a change that adds one
// fails here rather than in a benchmark nobody reads.
func TestServedFilterAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage counters change allocations")
	}
	plain := func() *http.Request { return httptest.NewRequest("GET", "/", nil) }
	for _, c := range []struct {
		name string
		src  string
		req  func() *http.Request
		want float64 // allocations a request, the bench app's included
	}{
		{"request_id", benchPaste("use = egg:oslo.middleware#request_id"), plain, 1},
		{"request_id with a global id", benchPaste("use = egg:oslo.middleware#request_id"), func() *http.Request {
			r := plain()
			r.Header.Set(request.IDHeader, goodID)
			return r
		}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := mustBuild(t, c.src)
			s := newServedRequest(c.req())
			w := &discardWriter{H: http.Header{}}
			got := testing.AllocsPerRun(200, func() {
				clear(w.H)
				s.reset()
				w.H[request.IDHeader] = s.v
				h.ServeHTTP(w, s.r)
			})
			if got > c.want {
				t.Errorf("%v allocations a request, want at most %v", got, c.want)
			}
		})
	}
}
