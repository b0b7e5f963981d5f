package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"

	_ "github.com/pasteserve/pasteserve/apps"
	_ "github.com/pasteserve/pasteserve/filters"
	"github.com/pasteserve/pasteserve/loader"
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
	app, err := BuildApp(cfg, loader.Default)
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
	}
	for _, l := range layers {
		b.Run(l.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "http://127.0.0.1:9797/v2.0/", nil)
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
