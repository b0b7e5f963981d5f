package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/reqlog"
)

// BenchmarkTracingLayers is the request path as newProcess wires it
// (the app built by loadGeneration's build options, the server's
// layers around tracing's handler), for bench/serve.sh's pipeline:
// with tracing off, which must cost what BenchmarkHandlerLayers'
// pipeline_in_server costs, to the allocation; and on (spans recorded,
// none exported), with and without filter spans, for its cost.
// Run: go test ./server -run - -bench TracingLayers -benchmem
func BenchmarkTracingLayers(b *testing.B) {
	log := zerolog.New(io.Discard).Hook(reqlog.Timestamp{}).With().Str("service", "pasteserve").Logger() // as the binary's (cmd)
	o := Defaults()
	wired := func(b *testing.B, tr *tracing) http.Handler {
		if tr != nil {
			processTracing.Store(tr)
			defer processTracing.Store(nil)
		}
		cfg, err := LoadSettings(Flags{Paste: "../bench/neutron-like.ini", Workers: -1})
		if err != nil {
			b.Fatal(err)
		}
		gen, err := loadGeneration(b.Context(), cfg, factory.Default, log, ownPool)
		if err != nil {
			b.Fatal(err)
		}
		var s swapHandler
		s.swap(gen)
		return (&connTracker{}).outermost(newHTTPServer(o, log, tr.handler(&s)).Handler)
	}
	recording := func(filterSpans bool) *tracing {
		tp := sdktrace.NewTracerProvider() // records spans, exports none
		return &tracing{tp: tp, tracer: tp.Tracer(tracerName), filterSpans: filterSpans}
	}
	for _, l := range []struct {
		name string
		tr   *tracing
	}{
		{"off", nil},
		{"on", recording(false)},
		{"on_filter_spans", recording(true)},
	} {
		b.Run(l.name, func(b *testing.B) {
			h := wired(b, l.tr)
			wc := &wireConn{w: newWire(o, log)}
			r := httptest.NewRequest("GET", "http://127.0.0.1:9797/v2.0/", nil)
			r = r.WithContext(connContext(r.Context(), wc))
			r.Header.Set("User-Agent", "wrk")
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				w.code = 0
				h.ServeHTTP(w, r)
				if w.code != 0 && w.code != 200 {
					b.Fatal(w.code)
				}
			}
		})
	}
}
