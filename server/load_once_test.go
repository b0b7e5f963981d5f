package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/factory"
)

// TestAppFromTheLoadThatReadTheSettings: LoadSettings reads and parses the paste
// file once, and the app is built (BuildApp, in-process and in each
// worker) and checked (CheckApp, in the master of pre-fork workers) from
// that parse, not from the file read again: a file changed or gone after
// LoadSettings changes nothing until the next load.
func TestAppFromTheLoadThatReadTheSettings(t *testing.T) {
	reg := &factory.Registry{}
	reg.Register(factory.Factory{Name: "says", Namespace: "pasteserve", Kind: factory.KindApp, App: func(cfg *factory.Config) (http.Handler, error) {
		word := cfg.String("word", "")
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, word) }), nil
	}})
	dir := writeFiles(t, map[string]string{"api.ini": "[server:main]\nuse = egg:pasteserve#http\nbind_port = 8123\n[app:main]\nuse = egg:pasteserve#says\nword = loaded\n"})
	path := filepath.Join(dir, "api.ini")
	cfg, err := LoadSettings(Flags{Paste: path, Workers: -1})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BindPort != 8123 {
		t.Fatalf("bind_port %d, want 8123 from [server:main]", cfg.BindPort)
	}
	if err := os.WriteFile(path, []byte("[app:main]\nuse = egg:pasteserve#says\nword = rewritten\n[broken\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CheckApp(cfg, reg); err != nil {
		t.Errorf("CheckApp after the file changed: %v", err)
	}
	app, err := BuildApp(cfg, reg)
	if err != nil {
		t.Fatalf("BuildApp after the file changed: %v", err)
	}
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if got := rec.Body.String(); got != "loaded" {
		t.Errorf("the app says %q, want %q: it was built from the file read again", got, "loaded")
	}
	// The next load reads the file as it is now.
	if _, err := LoadSettings(Flags{Paste: path, Workers: -1}); err == nil || !strings.Contains(err.Error(), "api.ini:4:") {
		t.Errorf("a new LoadSettings of the broken file: %v", err)
	}
}
