package loader

import (
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/internal/loadtest"
)

func files(t *testing.T, fs map[string]string) string { return loadtest.Files(t, fs) }
func testRegistry() *factory.Registry                 { return loadtest.Registry() }
func fuzzRegistry() *factory.Registry                 { return loadtest.FuzzRegistry() }
func traceRegistry() *factory.Registry                { return loadtest.TraceRegistry() }

func writeFile(path, src string) error { return os.WriteFile(path, []byte(src), 0o644) }

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec
}
