// Package filtertest is what the tests of pasteserve's filter packages
// (filters, tokenauth) share: a test app that reports what it sees,
// registered as egg:pasteserve#filters-test-app, one that only writes
// "ok" (filters-bench-app), paste texts of one filter in front of them,
// and small helpers to serve a request and read the answer.
package filtertest

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

	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/request"
)

func init() {
	factory.Register(factory.Factory{Name: "filters-test-app", Namespace: "pasteserve", Kind: factory.KindApp, App: func(cfg *factory.Config) (http.Handler, error) {
		return http.HandlerFunc(App), nil
	}})
	factory.Register(factory.Factory{Name: "filters-bench-app", Namespace: "pasteserve", Kind: factory.KindApp, App: func(cfg *factory.Config) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "ok\n")
		}), nil
	}})
}

// App is the test app (egg:pasteserve#filters-test-app). It reports
// what it sees, one "key=value" per line (Line reads them), and does
// what the query asks: panic=1 panics, status=N answers N, read=1 reads
// the body first.
func App(w http.ResponseWriter, r *http.Request) {
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

// PasteFile writes src to api.ini in a temporary directory.
func PasteFile(t testing.TB, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "api.ini")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// FilterPaste is a pipeline of one filter (section [filter:f], whose
// first option is on line 5) in front of the test app.
func FilterPaste(use string, opts ...string) string {
	var b strings.Builder
	b.WriteString("[pipeline:main]\npipeline = f app\n[filter:f]\n")
	b.WriteString(use + "\n")
	for _, o := range opts {
		b.WriteString(o + "\n")
	}
	b.WriteString("[app:app]\nuse = egg:pasteserve#filters-test-app\n")
	return b.String()
}

// BenchPaste is FilterPaste with an app that only writes "ok".
func BenchPaste(use string, opts ...string) string {
	return strings.Replace(FilterPaste(use, opts...), "filters-test-app", "filters-bench-app", 1)
}

// Do serves one request and returns the recorder.
func Do(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// Get serves a GET of target with headers (name, value, name, value...).
func Get(h http.Handler, target string, headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return Do(h, r)
}

// Line returns the value of "key=" in the test app's body, or "<none>".
func Line(body, key string) string {
	for _, l := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(l, key+"="); ok {
			return v
		}
	}
	return "<none>"
}

// WithLogger puts a per-request logger writing to buf around h, as a
// server using hlog.NewHandler does.
func WithLogger(h http.Handler, buf *bytes.Buffer) http.Handler {
	base := zerolog.New(buf)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := base.With().Logger()
		h.ServeHTTP(w, r.WithContext(l.WithContext(r.Context())))
	})
}

// DiscardWriter is a ResponseWriter for benchmarks that keeps nothing
// but its header map H, which a benchmark clears between requests.
type DiscardWriter struct{ H http.Header }

func (w *DiscardWriter) Header() http.Header         { return w.H }
func (w *DiscardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *DiscardWriter) WriteHeader(int)             {}
