package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/factory"
)

// metricsTestPaste is a urlmap with one route to the bare handler.
const metricsTestPaste = "[composite:main]\nuse = egg:Paste#urlmap\n/v2.0 = bare\n[app:bare]\nuse = egg:pasteserve#bench-bare\n"

// withMetrics returns the server's layers around the app of src, built
// as serve builds it with admin_bind set (route marks included), with
// the options o less their admin_bind, which is set here.
func withMetrics(tb testing.TB, src string, o Options) http.Handler {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "api.ini")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		tb.Fatal(err)
	}
	cfg, err := LoadSettings(Flags{Paste: path, Workers: -1, AdminBind: "127.0.0.1:0"})
	if err != nil {
		tb.Fatal(err)
	}
	gen, err := loadGeneration(context.Background(), cfg, factory.Default, zerolog.Nop(), ownPool)
	if err != nil {
		tb.Fatal(err)
	}
	o.AdminBind = cfg.AdminBind
	var swap swapHandler
	swap.swap(gen)
	log := zerolog.New(io.Discard).With().Timestamp().Logger()
	return (&connTracker{}).outermost(newHTTPServer(o, log, &swap).Handler)
}

// With admin_bind the request metrics allocate nothing per request over
// HTTP/1: the route's children are resolved when the pipeline is built
// (routeMark), and what the metrics keep is in the request's state.
// Each request is counted once, under its route. Seen failing (1
// allocation a request, access_log off) with the status and size
// counted by a writer made per request rather than the one in the
// request's state.
func TestMetricsAllocateNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	for _, accessLog := range []bool{true, false} {
		o := Defaults()
		o.AccessLog = accessLog
		h := withMetrics(t, metricsTestPaste, o)
		wc := &wireConn{w: newWire(o, zerolog.Nop())}
		r := httptest.NewRequest("GET", "http://127.0.0.1:9797/v2.0/", nil)
		r = r.WithContext(connContext(r.Context(), wc))
		w := &discardWriter{h: http.Header{}}
		c := httpRequests.WithLabelValues("/v2.0", "bare", "GET", "2xx")
		before := counterValue(c)
		n := testing.AllocsPerRun(1000, func() {
			clear(w.h)
			h.ServeHTTP(w, r)
		})
		if n > 0.1 {
			t.Errorf("access_log %v: %.2f allocations a request with metrics on, want 0", accessLog, n)
		}
		if got := counterValue(c) - before; got != 1001 { // AllocsPerRun runs once more to warm up
			t.Errorf("access_log %v: counted %v requests, want 1001", accessLog, got)
		}
	}
}

// BenchmarkMetricsLayer is what the metrics cost a request: the server's
// layers around a urlmap route, without admin_bind (server) and with it
// (server_metrics), with the access log on as by default.
// Run: go test ./server -run - -bench MetricsLayer -benchmem
func BenchmarkMetricsLayer(b *testing.B) {
	o := Defaults()
	log := zerolog.New(io.Discard).With().Timestamp().Logger()
	plain := buildPaste(b, metricsTestPaste)
	var swap swapHandler
	swap.store(plain)
	for _, l := range []struct {
		name string
		h    http.Handler
	}{
		{"server", (&connTracker{}).outermost(newHTTPServer(o, log, &swap).Handler)},
		{"server_metrics", withMetrics(b, metricsTestPaste, o)},
	} {
		b.Run(l.name, func(b *testing.B) {
			wc := &wireConn{w: newWire(o, log)}
			r := httptest.NewRequest("GET", "http://127.0.0.1:9797/v2.0/", nil)
			r = r.WithContext(connContext(r.Context(), wc))
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				l.h.ServeHTTP(w, r)
			}
		})
	}
}

// admin_bind's errors are placed at the key that set it and say what
// to do.
func TestAdminBindErrors(t *testing.T) {
	for _, tc := range []struct {
		conf string
		want string
	}{
		{"admin_bind = nope\n", "pasteserve.conf:2:1: admin_bind \"nope\": want HOST:PORT"},
		{"admin_bind = 127.0.0.1:70000\n", "want a port from 0 (any free port) to 65535"},
		{"admin_pprof = true\n", "pasteserve.conf:2:1: admin_pprof is set but admin_bind is not"},
		{"bind_port = 9696\nadmin_bind = :9696\n", "pasteserve.conf:3:1: admin_bind :9696 is the public listener's address and port"},
		{"bind_host = 127.0.0.1\nbind_port = 9696\nadmin_bind = 0.0.0.0:9696\n", "is the public listener's address and port"},
		{"bind_port = 9696\nadmin_bind = :9696\nadmin_on_public_port = true\napi_workers = 2\n", "admin_on_public_port does not work with api_workers"},
		// The same address in another spelling: the admin listener took
		// the public port and the server then waited for it to come free.
		{"bind_host = 127.0.0.1\nbind_port = 9696\nadmin_bind = localhost:9696\n", "is the public listener's address and port"},
		{"bind_host = localhost\nbind_port = 9696\nadmin_bind = 127.0.0.1:9696\n", "is the public listener's address and port"},
		{"bind_host = ::1\nbind_port = 9696\nadmin_bind = [0:0:0:0:0:0:0:1]:9696\n", "is the public listener's address and port"},
		{"bind_host = 127.0.0.1\nbind_port = 9696\nadmin_bind = [::ffff:127.0.0.1]:9696\n", "is the public listener's address and port"},
		{"bind_host = 0:0:0:0:0:0:0:0\nbind_port = 9696\nadmin_bind = 127.0.0.1:9696\n", "is the public listener's address and port"},
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "api.ini"), []byte(metricsTestPaste), 0o644)
		os.WriteFile(filepath.Join(dir, "pasteserve.conf"), []byte("[DEFAULT]\n"+tc.conf), 0o644)
		_, err := LoadSettings(Flags{Paste: filepath.Join(dir, "api.ini"), ConfigFiles: []string{filepath.Join(dir, "pasteserve.conf")}, Workers: -1})
		if err == nil || !strings.Contains(errorText(err), tc.want) {
			t.Errorf("%q: %v, want %q", tc.conf, err, tc.want)
		}
	}
	for _, ok := range []string{"admin_bind = 127.0.0.1:9697\n", "bind_port = 9696\nadmin_bind = 127.0.0.1:0\n", "bind_host = 127.0.0.1\nbind_port = 9696\nadmin_bind = 127.0.0.2:9696\n", "bind_port = 9696\nadmin_bind = :9696\nadmin_on_public_port = true\n"} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "api.ini"), []byte(metricsTestPaste), 0o644)
		os.WriteFile(filepath.Join(dir, "pasteserve.conf"), []byte("[DEFAULT]\n"+ok), 0o644)
		if _, err := LoadSettings(Flags{Paste: filepath.Join(dir, "api.ini"), ConfigFiles: []string{filepath.Join(dir, "pasteserve.conf")}, Workers: -1}); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	c.Write(&m)
	return m.GetCounter().GetValue()
}
