package server

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"

	_ "github.com/pasteserve/pasteserve/builtin"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/reqlog"
)

// bareBody is what the bare handler of the benchmarks answers.
var bareBody = []byte(`{"versions": []}`)

// bareHandler is the least a handler does: a header and a body. The
// layers of BenchmarkHandlerLayers are measured around it, so that each
// one's cost is its difference from "bare".
var bareHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header()["Content-Type"] = jsonType
	w.Write(bareBody)
})

var jsonType = []string{"application/json"}

func init() {
	factory.Register(factory.Factory{Name: "bench-bare", Namespace: "pasteserve", Kind: factory.KindApp, Doc: "the bare handler of server's benchmarks",
		App: func(*factory.Config) (http.Handler, error) { return bareHandler, nil }})
}

// discardWriter is a ResponseWriter that keeps only its header map,
// cleared between requests, so that a benchmark counts what the layers
// allocate rather than what a recorder does.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// BenchmarkHandlerLayers takes the request path apart: each layer the
// server (or urlmap) puts around an app, alone around a bare handler, so
// that its cost is its difference from "bare"; then all of the server's
// layers together, the pipeline of bench/serve.sh (bench/neutron-like.ini)
// alone, and the pipeline inside the server's layers, as it serves.
//
// The layers run with the default options (access_log on, its lines to
// io.Discard here; BenchmarkAccessLog measures the writer) on a request
// whose connection is a wireConn, as newServing serves.
// Run: go test ./server -run - -bench HandlerLayers -benchmem
func BenchmarkHandlerLayers(b *testing.B) {
	cfg, err := LoadSettings(Flags{Paste: "../bench/neutron-like.ini", Workers: -1})
	if err != nil {
		b.Fatal(err)
	}
	pipeline, err := BuildApp(cfg, factory.Default)
	if err != nil {
		b.Fatal(err)
	}
	urlmap := buildPaste(b, "[composite:main]\nuse = egg:Paste#urlmap\n/v2.0 = bare\n[app:bare]\nuse = egg:pasteserve#bench-bare\n")
	log := zerolog.New(io.Discard).Hook(reqlog.Timestamp{}).With().Str("service", "pasteserve").Logger() // as the binary's (cmd)
	o := Defaults()
	swapped := func(h http.Handler) http.Handler {
		var s swapHandler
		s.store(h)
		return &s
	}
	server := func(h http.Handler) http.Handler {
		return (&connTracker{}).outermost(newHTTPServer(o, log, swapped(h)).Handler)
	}
	noAccessLog := o
	noAccessLog.AccessLog = false
	layers := []struct {
		name string
		h    http.Handler
	}{
		{"bare", bareHandler},
		{"swap", swapped(bareHandler)},
		{"guard", guard(o, bareHandler)},
		{"request_id_logger", requestLogger(log, true, bareHandler)},
		// The access log needs the request's state: its cost is the
		// difference from request_id_logger.
		{"request_id_logger+access_log", requestLogger(log, true, accessLog(o.LogFormat, bareHandler))},
		{"outermost", (&connTracker{}).outermost(bareHandler)},
		{"urlmap", urlmap},
		{"server_no_access_log", (&connTracker{}).outermost(newHTTPServer(noAccessLog, log, swapped(bareHandler)).Handler)},
		{"server", server(bareHandler)},
		{"pipeline", pipeline},
		{"pipeline_in_server", server(pipeline)},
	}
	wc := &wireConn{w: newWire(o, log)}
	for _, l := range layers {
		b.Run(l.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "http://127.0.0.1:9797/v2.0/", nil)
			r = r.WithContext(connContext(r.Context(), wc))
			r.Header.Set("User-Agent", "wrk")
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				w.code = 0
				l.h.ServeHTTP(w, r)
				if w.code != 0 && w.code != 200 {
					b.Fatal(w.code)
				}
			}
		})
	}
}

// buildPaste builds the app main of a paste file with src.
func buildPaste(b *testing.B, src string) http.Handler {
	path := filepath.Join(b.TempDir(), "api.ini")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	cfg, err := LoadSettings(Flags{Paste: path, Workers: -1})
	if err != nil {
		b.Fatal(err)
	}
	h, err := BuildApp(cfg, factory.Default)
	if err != nil {
		b.Fatal(err)
	}
	return h
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
