package build

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/internal/loadtest"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/resolve"
)

func files(t *testing.T, fs map[string]string) string { return loadtest.Files(t, fs) }
func testRegistry() *factory.Registry                 { return loadtest.Registry() }
func fuzzRegistry() *factory.Registry                 { return loadtest.FuzzRegistry() }
func traceRegistry() *factory.Registry                { return loadtest.TraceRegistry() }

func writeFile(path, src string) error { return os.WriteFile(path, []byte(src), 0o644) }

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// resolveErrs resolves main in api.ini of files and returns the plan and
// the error text, file names made relative to the directory.
func resolveErrs(t *testing.T, reg *factory.Registry, fs map[string]string) (*plan.Node, string, string) {
	t.Helper()
	dir := files(t, fs)
	n, err := (&resolve.Resolver{Registry: reg}).Resolve(filepath.Join(dir, "api.ini"), "main", plan.TypeApp, nil)
	return n, strings.ReplaceAll(fmt.Sprint(err), dir+string(filepath.Separator), ""), dir
}

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec
}
