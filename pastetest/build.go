package pastetest

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/loader"
)

// Build writes src to api.ini in a temporary directory and builds its
// "main" app with factory.Default, as pasteserve would serve it: for
// tests of factories, whose errors then read api.ini:line:col.
func Build(t testing.TB, src string) (http.Handler, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "api.ini")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return loader.Load(path, "main", nil, factory.Default)
}

// MustBuild is Build that fails the test on an error.
func MustBuild(t testing.TB, src string) http.Handler {
	t.Helper()
	h, err := Build(t, src)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// WantBuildError builds src and checks that it fails with an error that
// contains want, positioned at pos ("line:col") in api.ini.
func WantBuildError(t testing.TB, src, pos, want string) {
	t.Helper()
	_, err := Build(t, src)
	if err == nil {
		t.Fatalf("built without error; want api.ini:%s: %s", pos, want)
		return
	}
	if !strings.Contains(err.Error(), "api.ini:"+pos+": ") || !strings.Contains(err.Error(), want) {
		t.Errorf("error:\n%v\nwant at api.ini:%s: %q", err, pos, want)
	}
}
