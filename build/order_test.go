package build

import (
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/resolve"
)

// TestCreationOrder covers 67-70: the order factories are called in, what
// they get, and how their errors are reported.
func TestCreationOrder(t *testing.T) {
	var calls []string
	reg := &factory.Registry{}
	reg.Register(factory.Factory{Name: "app", Namespace: "pasteserve", Kind: factory.KindApp, App: func(cfg *factory.Config) (http.Handler, error) {
		calls = append(calls, "app:"+cfg.String("id", ""))
		if cfg.String("fail", "") != "" {
			return nil, errors.New("database unreachable")
		}
		return http.NotFoundHandler(), nil
	}})
	reg.Register(factory.Factory{Name: "filt", Namespace: "pasteserve", Kind: factory.KindFilter, Filter: func(cfg *factory.Config) (factory.Middleware, error) {
		calls = append(calls, "filter:"+cfg.String("id", ""))
		return func(h http.Handler) http.Handler { return h }, nil
	}})
	const sections = "[app:app]\nuse = egg:pasteserve#app\nid = app\n[filter:f1]\nuse = egg:pasteserve#filt\nid = f1\n[filter:f2]\nuse = egg:pasteserve#filt\nid = f2\n"
	for _, tc := range []struct{ name, src, want string }{
		{"67 68 69 pipeline: app, then filters left to right; factories get their config and filters return middleware", "[pipeline:main]\npipeline = f1 f2 app\n", "app:app filter:f1 filter:f2"},
		{"67 filter-app: next, then the filter", "[filter-app:main]\nuse = f1\nnext = app\n", "app:app filter:f1"},
		{"67 filter-with: the filter, then the app", "[app:main]\nuse = app\nfilter-with = f1\n", "filter:f1 app:app"},
	} {
		calls = nil
		dir := files(t, map[string]string{"api.ini": tc.src + sections})
		n, err := (&resolve.Resolver{Registry: reg}).Resolve(filepath.Join(dir, "api.ini"), "main", plan.TypeApp, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Handler(n, reg); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(calls, " "); got != tc.want {
			t.Errorf("%s: calls %q, want %q", tc.name, got, tc.want)
		}
	}
	// 70: a factory's error is reported with the section and reference
	// it was called for (PasteDeploy annotates TypeErrors with the
	// signature; Go checks signatures at compile time).
	dir := files(t, map[string]string{"api.ini": "[app:main]\nuse = egg:pasteserve#app\nfail = yes\n"})
	n, _ := (&resolve.Resolver{Registry: reg}).Resolve(filepath.Join(dir, "api.ini"), "main", plan.TypeApp, nil)
	if _, err := Handler(n, reg); err == nil || !strings.Contains(err.Error(), "api.ini:1:1: [app:main] (egg:pasteserve#app): database unreachable") {
		t.Errorf("70: %v", err)
	}
}
