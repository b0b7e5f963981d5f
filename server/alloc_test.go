package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/rs/zerolog"
)

// The layers the server puts around every request allocate nothing of
// their own but one value a request: the copy of the Request that
// carries its context (net/http has no other way to give a handler a
// context of its own), in which the server keeps the request's id, its
// logger and what the access log needs. The guard's middlewares, the
// pipeline swap and the outermost layer allocate nothing; neither does
// the access line, but for what the log's writer does with it (here
// io.Discard). A request_id filter in the pipeline takes the server's
// id and its header as they are.
func TestServerLayersAllocateOnce(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	f, ok := factory.Default.Lookup("egg:oslo.middleware#request_id", plan.TypeFilter)
	if !ok {
		t.Fatal("request_id is not registered")
	}
	requestID, err := f.Filter(factory.NewConfig(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	log := zerolog.New(io.Discard).With().Timestamp().Str("service", "pasteserve").Logger()
	o := Defaults()
	var swap swapHandler
	swap.store(bareHandler)
	wc := &wireConn{w: newWire(o, log)}
	for _, tc := range []struct {
		name string
		h    http.Handler
		want float64
	}{
		{"guard", guard(o, bareHandler), 0},
		{"swap", &swap, 0},
		{"outermost", (&connTracker{}).outermost(bareHandler), 0},
		{"request id and logger", requestLogger(log, true, bareHandler), 1},
		{"request id, logger and access log", requestLogger(log, true, accessLog(o.LogFormat, bareHandler)), 1},
		// The request_id filter keeps the server's id and its header.
		{"request id, logger and the request_id filter", requestLogger(log, true, requestID(bareHandler)), 1},
		{"every layer", (&connTracker{}).outermost(newHTTPServer(o, log, &swap).Handler), 1},
	} {
		r := httptest.NewRequest("GET", "http://127.0.0.1:9797/v2.0/", nil)
		r = r.WithContext(connContext(r.Context(), wc))
		w := &discardWriter{h: http.Header{}}
		n := testing.AllocsPerRun(1000, func() {
			clear(w.h)
			tc.h.ServeHTTP(w, r)
		})
		// The request ids come in batches: a batch's allocations, every
		// 64 requests, are a fraction of one a request.
		if n > tc.want+0.1 {
			t.Errorf("%s: %.2f allocations a request, want %.0f", tc.name, n, tc.want)
		}
	}
}
