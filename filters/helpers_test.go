package filters

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/loader"
	"github.com/pasteserve/pasteserve/pastetest"
	"github.com/pasteserve/pasteserve/reqlog"
	"github.com/pasteserve/pasteserve/request"
	"github.com/rs/zerolog"
)

// The test app reports what it sees, one "key=value" per line, and does
// what the query asks: panic=1 panics, status=N answers N, read=1 reads
// the body first.
func init() {
	loader.Register(loader.Factory{Name: "filters-test-app", Kind: loader.KindApp, App: func(cfg *loader.Config) (http.Handler, error) {
		return http.HandlerFunc(testApp), nil
	}})
}

func testApp(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("panic") != "" {
		panic("boom: secret-in-panic")
	}
	var read string
	if q.Get("read") != "" {
		b, err := io.ReadAll(r.Body)
		read = fmt.Sprintf("read=%d err=%v\n", len(b), err)
		if err != nil {
			http.Error(w, read, http.StatusBadRequest)
			return
		}
	}
	if s := q.Get("status"); s != "" {
		var code int
		fmt.Sscan(s, &code)
		w.WriteHeader(code)
	}
	fmt.Fprintf(w, "path=%s\nscript=%s\nhost=%s\nscheme=%s\nremote=%s\nrid=%s\ngrid=%s\nappurl=%s\n%s",
		r.URL.Path, request.ScriptName(r), r.Host, request.Scheme(r), r.RemoteAddr,
		request.ID(r.Context()), request.GlobalID(r.Context()), request.ApplicationURL(r), read)
	if id, ok := request.IdentityFrom(r.Context()); ok {
		fmt.Fprintf(w, "user=%s\nproject=%s\nroles=%s\nadmin=%v\n", id.UserID, id.ProjectID, strings.Join(id.Roles, ","), id.IsAdmin)
	}
	for _, h := range []string{"X-User-Id", "X-Project-Id", "X-Roles", "X-Identity-Status"} {
		if v := r.Header.Get(h); v != "" {
			fmt.Fprintf(w, "h:%s=%s\n", h, v)
		}
	}
}

// pasteFile writes src to api.ini in a temporary directory.
func pasteFile(t testing.TB, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "api.ini")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// The factories are built as pasteserve builds them, from a paste file
// api.ini (see pastetest.Build).
var (
	buildPaste     = pastetest.Build
	mustBuild      = pastetest.MustBuild
	wantBuildError = pastetest.WantBuildError
)

// filterPaste is a pipeline of one filter (section [filter:f], whose
// first option is on line 5) in front of the test app.
func filterPaste(use string, opts ...string) string {
	var b strings.Builder
	b.WriteString("[pipeline:main]\npipeline = f app\n[filter:f]\n")
	b.WriteString(use + "\n")
	for _, o := range opts {
		b.WriteString(o + "\n")
	}
	b.WriteString("[app:app]\nuse = egg:pasteserve#filters-test-app\n")
	return b.String()
}

// do serves one request and returns the recorder.
func do(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func get(h http.Handler, target string, headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return do(h, r)
}

// line returns the value of "key=" in the test app's body.
func line(body, key string) string {
	for _, l := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(l, key+"="); ok {
			return v
		}
	}
	return "<none>"
}

// withLogger puts a per-request logger writing to buf around h, as a
// server using hlog.NewHandler does.
func withLogger(h http.Handler, buf *bytes.Buffer) http.Handler {
	base := zerolog.New(buf)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := base.With().Logger()
		h.ServeHTTP(w, r.WithContext(l.WithContext(r.Context())))
	})
}

// benchFilter measures one filter in front of a handler that writes a
// short body. The request is made once and the response writer reused,
// so that the figures are the filter's own cost plus the app's (see
// BenchmarkAppAlone for the app's).
func benchFilter(b *testing.B, src string, req func() *http.Request) {
	h := mustBuild(b, src)
	r := req()
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

// discardWriter is a ResponseWriter that keeps nothing but its header
// map, which benchFilter clears between requests.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkAppAlone is the app every filter benchmark ends in, alone:
// subtract it to get a filter's own cost.
func BenchmarkAppAlone(b *testing.B) {
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	r := httptest.NewRequest("GET", "/", nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		app.ServeHTTP(w, r)
	}
}

func init() {
	loader.Register(loader.Factory{Name: "filters-bench-app", Kind: loader.KindApp, App: func(cfg *loader.Config) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "ok\n")
		}), nil
	}})
}

// benchPaste is filterPaste with an app that only writes "ok".
func benchPaste(use string, opts ...string) string {
	return strings.Replace(filterPaste(use, opts...), "filters-test-app", "filters-bench-app", 1)
}

// newConfig is a Config for calling a factory directly.
func newConfig(local map[string]string) *loader.Config { return loader.NewConfig(local, nil) }

func TestMain(m *testing.M) {
	// Filters log to standard error when a request has no logger; keep
	// test output clean.
	reqlog.Fallback = zerolog.New(io.Discard)
	accessLogOutput = zerolog.New(io.Discard)
	os.Exit(m.Run())
}
