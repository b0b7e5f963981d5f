package apps

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/loader"

	_ "github.com/pasteserve/pasteserve/filters"
)

// buildPasteApp writes src to api.ini in a temporary directory and
// builds its "main" app.
func buildPasteApp(t testing.TB, src string) (http.Handler, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "api.ini")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return loader.Load(path, "main", nil, loader.Default)
}

func mustBuildApp(t testing.TB, src string) http.Handler {
	t.Helper()
	h, err := buildPasteApp(t, src)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// wantAppError checks that src fails to build with want at api.ini:pos.
func wantAppError(t *testing.T, src, pos, want string) {
	t.Helper()
	_, err := buildPasteApp(t, src)
	if err == nil || !strings.Contains(err.Error(), "api.ini:"+pos+": ") || !strings.Contains(err.Error(), want) {
		t.Errorf("error:\n%v\nwant at api.ini:%s: %q", err, pos, want)
	}
}

func serveReq(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// registerCascadeTestApp registers an app that answers its configured
// status with its name and the body it read, and sets X-App.
func registerCascadeTestApp() {
	loader.Register(loader.Factory{Name: "cascade-test", Kind: loader.KindApp, App: func(cfg *loader.Config) (http.Handler, error) {
		name, status := cfg.String("name", "?"), cfg.Int("status", 200)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			w.Header().Set("X-App", name)
			w.WriteHeader(status)
			io.WriteString(w, name+" body="+string(body))
		}), cfg.Err()
	}})
}

func newTestConfig(local map[string]string) *loader.Config { return loader.NewConfig(local, nil) }
