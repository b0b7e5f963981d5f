package server

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"

	_ "github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/factory"
	_ "github.com/pasteserve/pasteserve/filters"
	_ "github.com/pasteserve/pasteserve/tokenauth"
)

// BenchmarkHandlerLayers takes the request path of bench/serve.sh apart:
// the pipeline bench/neutron-like.ini builds, then each layer the server
// puts around it, so that the cost of every layer shows as a difference.
// Run: go test ./server -run - -bench HandlerLayers -benchmem
func BenchmarkHandlerLayers(b *testing.B) {
	cfg, err := Load(Flags{Paste: "../bench/neutron-like.ini", Workers: -1})
	if err != nil {
		b.Fatal(err)
	}
	app, err := BuildApp(cfg, factory.Default)
	if err != nil {
		b.Fatal(err)
	}
	var swap swapHandler
	swap.store(app)
	log := zerolog.New(io.Discard)
	o := cfg.Options
	withAccessLog := o
	withAccessLog.AccessLog = true
	layers := []struct {
		name string
		h    http.Handler
	}{
		{"pipeline", app},
		{"swap", &swap},
		{"guard", guard(o, &swap)},
		{"logger", newHTTPServer(o, log, &swap).Handler},
		{"access_log", newHTTPServer(withAccessLog, log, &swap).Handler},
		// The drain's and the connection's layer, outermost, on a
		// request whose connection is a wireConn (as newServing serves).
		{"outermost", (&connTracker{}).outermost(newHTTPServer(withAccessLog, log, &swap).Handler)},
	}
	wc := &wireConn{w: newWire(o, log)}
	for _, l := range layers {
		b.Run(l.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "http://127.0.0.1:9797/v2.0/", nil)
			if l.name == "outermost" {
				r = r.WithContext(connContext(r.Context(), wc))
			}
			r.Header.Set("User-Agent", "wrk")
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				l.h.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatal(w.Code)
				}
			}
		})
	}
}

// BenchmarkConnTrack is the connection tracking a request costs outside
// a drain: its connection turns active, then idle (http.Server.ConnState),
// with a thousand other connections open.
// Run: go test ./server -run - -bench ConnTrack -benchmem
func BenchmarkConnTrack(b *testing.B) {
	var tr connTracker
	w := newWire(Defaults(), zerolog.Nop())
	var conns []net.Conn
	for i := 0; i < 1000; i++ {
		c := &wireConn{Conn: nil, w: w}
		conns = append(conns, c)
		tr.track(c, http.StateNew)
	}
	c := conns[500]
	b.ReportAllocs()
	for b.Loop() {
		tr.track(c, http.StateActive)
		tr.track(c, http.StateIdle)
	}
}

// BenchmarkOutermost is the server's outermost layer alone (the drain's
// Connection: close, the connection's phase), around a handler that does
// nothing, on a request whose connection is a wireConn.
// Run: go test ./server -run - -bench Outermost -benchmem
func BenchmarkOutermost(b *testing.B) {
	h := (&connTracker{}).outermost(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	wc := &wireConn{w: newWire(Defaults(), zerolog.Nop())}
	r := httptest.NewRequest("GET", "/", nil)
	r = r.WithContext(connContext(r.Context(), wc))
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}
