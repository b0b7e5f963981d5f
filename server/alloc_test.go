package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/rs/zerolog"
)

// The layers the server puts around every request allocate nothing of
// their own over HTTP/1: the request's id, its logger and what the access
// log needs are kept in its connection's state (connState), and the
// request is handed on as net/http made it. The guard's middlewares, the
// pipeline swap and the outermost layer allocate nothing; neither does
// the access line, but for what the log's writer does with it (here
// io.Discard). A request_id filter in the pipeline takes the server's
// id and its header as they are. An HTTP/2 stream, and a request that
// did not come through the server's connections, get a state of their
// own with the copy of the Request that carries it: one allocation. The
// filters and the urlmap that keep what they need per request in the
// connection's slots (http_proxy_to_wsgi, keystonecontext, urlmap's
// mounted copy) find them through the server's state, and allocate
// nothing either.
func TestServerLayersAllocateNothing(t *testing.T) {
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
	every := (&connTracker{}).outermost(newHTTPServer(o, log, &swap).Handler)
	// The filters that keep their per-request value in the connection's
	// slots (request.ConnSlots), which the server's state leads to.
	proxy, err := filters.NewProxyHeaders(filters.ProxyHeadersOptions{EnableProxyHeadersParsing: true})
	if err != nil {
		t.Fatal(err)
	}
	keystone, _ := filters.NewKeystoneContext(filters.KeystoneContextOptions{})
	urlmap, err := apps.NewURLMap(apps.URLMapOptions{Routes: map[string]http.Handler{"/v2.0": proxy(keystone(bareHandler))}})
	if err != nil {
		t.Fatal(err)
	}
	var withFilters swapHandler
	withFilters.store(urlmap)
	everyWithFilters := (&connTracker{}).outermost(newHTTPServer(o, log, &withFilters).Handler)
	for _, tc := range []struct {
		name string
		h    http.Handler
		want float64
		// proto is the request's HTTP major version; noConn: the
		// request did not come through a wireConn.
		proto  int
		noConn bool
	}{
		{"guard", guard(o, bareHandler), 0, 1, false},
		{"swap", &swap, 0, 1, false},
		{"outermost", (&connTracker{}).outermost(bareHandler), 0, 1, false},
		{"request id and logger", requestLogger(log, true, bareHandler), 0, 1, false},
		{"request id, logger and access log", requestLogger(log, true, accessLog(o.LogFormat, bareHandler)), 0, 1, false},
		// The request_id filter keeps the server's id and its header.
		{"request id, logger and the request_id filter", requestLogger(log, true, requestID(bareHandler)), 0, 1, false},
		{"every layer", every, 0, 1, false},
		// The stream's state and the copy; the guard's no-progress watch
		// of a stream (stallLimit) allocates more, and is left out.
		{"request id, logger and access log, an HTTP/2 stream", requestLogger(log, true, accessLog(o.LogFormat, bareHandler)), 1, 2, false},
		{"every layer, no connection state", every, 1, 1, true},
		{"every layer, urlmap, http_proxy_to_wsgi and keystonecontext", everyWithFilters, 0, 1, false},
		{"every layer, urlmap, http_proxy_to_wsgi and keystonecontext, no connection state", everyWithFilters, 4, 1, true},
	} {
		r := httptest.NewRequest("GET", "http://127.0.0.1:9797/v2.0/", nil)
		r.Header.Set("X-Forwarded-Proto", "https")
		r.Header.Set("X-Forwarded-For", "203.0.113.7")
		r.Header.Set("X-User-Id", "alice")
		if !tc.noConn {
			r = r.WithContext(connContext(r.Context(), wc))
		}
		r.ProtoMajor = tc.proto
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
