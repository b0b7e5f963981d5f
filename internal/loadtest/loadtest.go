// Package loadtest holds what the tests of resolve, build and loader
// share: paste files written to a temporary directory, and registries of
// stub factories.
package loadtest

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/factory"
)

// Files writes name -> content into a new temporary directory and
// returns it.
func Files(t *testing.T, fs map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range fs {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Registry registers stand-in factories under a few references so
// that tests can check composites and build handlers.
func Registry() *factory.Registry {
	r := &factory.Registry{}
	r.Register(factory.Factory{Name: "urlmap-test", Namespace: "pasteserve", Aliases: []string{"egg:Paste#urlmap"}, Kind: factory.KindComposite,
		Composite: func(l factory.Loader, cfg *factory.Config) (http.Handler, error) { return http.NotFoundHandler(), nil },
		Children: func(cfg *factory.Config) map[string]string {
			kids := map[string]string{}
			for k, v := range cfg.Local {
				kids[k] = v
			}
			return kids
		}})
	return r
}

// FuzzRegistry holds stub factories of every kind. They read their
// options through every Config accessor, so that whatever a paste text
// gives them is parsed the way real factories parse it, and they fail
// when asked to (fail = ...), so that factory errors are positioned too.
func FuzzRegistry() *factory.Registry {
	reg := &factory.Registry{}
	readAll := func(cfg *factory.Config) {
		for k := range cfg.Local {
			switch {
			case strings.HasSuffix(k, "_int"):
				cfg.Int(k, 0)
			case strings.HasSuffix(k, "_bool"):
				cfg.Bool(k, false)
			case strings.HasSuffix(k, "_time"):
				cfg.Duration(k, 0)
			case strings.HasSuffix(k, "_list"):
				cfg.List(k)
			}
		}
		cfg.InGroup("group").Int("group_int", 0)
		if v, ok := cfg.Get("fail"); ok {
			cfg.Errorf("fail", "asked to fail: %s", v)
		}
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	reg.Register(factory.Factory{Name: "app", Namespace: "pasteserve", Aliases: []string{"egg:Paste#app", "fuzz:app"}, Kind: factory.KindApp,
		App: func(cfg *factory.Config) (http.Handler, error) { readAll(cfg); return ok, nil }})
	reg.Register(factory.Factory{Name: "nil-app", Namespace: "pasteserve", Kind: factory.KindApp,
		App: func(cfg *factory.Config) (http.Handler, error) { return nil, nil }})
	reg.Register(factory.Factory{Name: "filter", Namespace: "pasteserve", Aliases: []string{"egg:Paste#filter", "fuzz:filter"}, Kind: factory.KindFilter,
		Filter: func(cfg *factory.Config) (factory.Middleware, error) {
			readAll(cfg)
			return func(h http.Handler) http.Handler { return h }, nil
		}})
	reg.Register(factory.Factory{Name: "failing-filter", Namespace: "pasteserve", Kind: factory.KindFilter,
		Filter: func(cfg *factory.Config) (factory.Middleware, error) { return nil, errors.New("cannot make it") }})
	// map is a urlmap-like composite: every key that starts with "/"
	// names a child app.
	reg.Register(factory.Factory{Name: "map", Namespace: "pasteserve", Aliases: []string{"egg:Paste#urlmap"}, Kind: factory.KindComposite,
		Composite: func(l factory.Loader, cfg *factory.Config) (http.Handler, error) {
			readAll(cfg)
			for k, v := range cfg.Local {
				if strings.HasPrefix(k, "/") {
					if _, err := l.GetApp(strings.TrimSpace(v)); err != nil {
						return nil, err
					}
				}
			}
			return ok, nil
		},
		Children: func(cfg *factory.Config) map[string]string {
			out := map[string]string{}
			for k, v := range cfg.Local {
				if strings.HasPrefix(k, "/") {
					out[k] = strings.TrimSpace(v)
				}
			}
			return out
		}})
	return reg
}

// TraceRegistry has a filter "tag" that appends its name option to the
// X-Trace header on the way in, and an app "echo-trace" that writes that
// header back, so a response shows the order filters ran in.
func TraceRegistry() *factory.Registry {
	r := Registry()
	r.Register(factory.Factory{Name: "tag", Namespace: "pasteserve", Kind: factory.KindFilter, Aliases: []string{"oslo_middleware:Tag.factory"},
		Filter: func(cfg *factory.Config) (factory.Middleware, error) {
			name := cfg.String("name", "?")
			strict := cfg.Bool("strict", false)
			if err := cfg.Err(); err != nil {
				return nil, err
			}
			return func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
					req.Header.Add("X-Trace", name)
					if strict {
						w.Header().Set("X-Strict", "1")
					}
					next.ServeHTTP(w, req)
				})
			}, nil
		}})
	r.Register(factory.Factory{Name: "echo-trace", Namespace: "pasteserve", Kind: factory.KindApp, App: func(cfg *factory.Config) (http.Handler, error) {
		greeting := cfg.String("greeting", "hi")
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			fmt.Fprintf(w, "%s %s", greeting, strings.Join(req.Header.Values("X-Trace"), ","))
		}), nil
	}})
	return r
}
