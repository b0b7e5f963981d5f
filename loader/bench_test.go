package loader

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/justinas/alice"
	"github.com/pasteserve/pasteserve/build"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/resolve"
)

// stubRegistry registers a no-op factory for every reference in n, so
// that files whose factories are Python can be built to measure the
// loader itself.
func stubRegistry(n *plan.Node) *factory.Registry {
	reg := &factory.Registry{}
	seen := map[string]bool{}
	plan.Walk(n, func(n *plan.Node) {
		if n.Kind != plan.NodeFactory || seen[n.Ref.Text+n.Type.String()] {
			return
		}
		seen[n.Ref.Text+n.Type.String()] = true
		f := factory.Factory{Name: fmt.Sprintf("stub%d", len(seen)), Aliases: []string{n.Ref.Text}}
		switch {
		case n.Type == plan.TypeFilter:
			f.Kind = factory.KindFilter
			f.Filter = func(*factory.Config) (factory.Middleware, error) { return noop, nil }
		case n.Children != nil:
			f.Kind = factory.KindComposite
			f.Composite = func(l factory.Loader, cfg *factory.Config) (http.Handler, error) {
				for _, c := range n.Children {
					if _, err := l.GetApp(c.Name); err != nil {
						return nil, err
					}
				}
				return okHandler, nil
			}
			f.Children = func(*factory.Config) map[string]string {
				kids := map[string]string{}
				for k, c := range n.Children {
					kids[k] = c.Name
				}
				return kids
			}
		default:
			f.Kind = factory.KindApp
			f.App = func(*factory.Config) (http.Handler, error) { return okHandler, nil }
		}
		reg.Register(f)
	})
	return reg
}

func benchmarkLoad(b *testing.B, path, name string, global map[string]string) {
	resolved, err := (&resolve.Resolver{Registry: testRegistry()}).Resolve(path, name, plan.TypeApp, global)
	if err != nil {
		b.Fatal(err)
	}
	reg := stubRegistry(resolved)
	b.ReportAllocs()
	for b.Loop() {
		n, err := (&resolve.Resolver{Registry: reg}).Resolve(path, name, plan.TypeApp, global)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := build.Handler(n, reg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad measures reading, parsing, resolving and building real
// files, from the path to a ready handler.
func BenchmarkLoad(b *testing.B) {
	b.Run("swift-proxy-server", func(b *testing.B) {
		benchmarkLoad(b, "../testdata/paste/corpus/swift__proxy-server.conf-sample", "main", nil)
	})
	b.Run("nova-api-paste", func(b *testing.B) {
		benchmarkLoad(b, "../testdata/paste/corpus/nova__api-paste.ini", "osapi_compute", nil)
	})
}

// BenchmarkLoadGenerated loads a urlmap of n pipelines, each of two
// filters and an app: 4n+1 sections.
func BenchmarkLoadGenerated(b *testing.B) {
	for _, n := range []int{250, 2500} {
		b.Run(fmt.Sprintf("sections=%d", 4*n+1), func(b *testing.B) {
			benchmarkLoad(b, writeURLMap(b, n), "main", nil)
		})
	}
}

// writeURLMap writes a urlmap of n pipelines, each of two filters and
// an app (4n+1 sections), and returns its path.
func writeURLMap(t testing.TB, n int) string {
	var src strings.Builder
	src.WriteString("[composite:main]\nuse = egg:Paste#urlmap\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&src, "/p%d = p%d\n", i, i)
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&src, "[pipeline:p%d]\npipeline = a%d b%d app%d\n[filter:a%d]\nuse = egg:X#a\nk = %d\n[filter:b%d]\nuse = egg:X#b\n[app:app%d]\nuse = egg:X#app\n", i, i, i, i, i, i, i, i)
	}
	path := filepath.Join(t.TempDir(), "gen.ini")
	if err := os.WriteFile(path, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Loading grows linearly with the file: ten times the sections cost
// ten times the allocations and the bytes, within 5%, not more (a map
// or a list that grows with the file, copied per section, would make it
// quadratic). Counted, not timed, so that a loaded machine cannot make
// it pass or fail; BenchmarkLoadGenerated has the times.
func TestLoadLinearInSections(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a 10,001-section file")
	}
	cost := func(n int) (allocs, bytes float64) {
		path := writeURLMap(t, n)
		resolved, err := (&resolve.Resolver{Registry: testRegistry()}).Resolve(path, "main", plan.TypeApp, nil)
		if err != nil {
			t.Fatal(err)
		}
		reg := stubRegistry(resolved)
		load := func() {
			n, err := (&resolve.Resolver{Registry: reg}).Resolve(path, "main", plan.TypeApp, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := build.Handler(n, reg); err != nil {
				t.Fatal(err)
			}
		}
		load()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		load()
		runtime.ReadMemStats(&after)
		return float64(after.Mallocs - before.Mallocs), float64(after.TotalAlloc - before.TotalAlloc)
	}
	a1, b1 := cost(250)
	a10, b10 := cost(2500)
	t.Logf("1,001 sections: %.0f allocations, %.0f bytes; 10,001: %.0f, %.0f (%.1f allocations a section)", a1, b1, a10, b10, a10/10001)
	if r := a10 / a1; r > 10.5 {
		t.Errorf("10x the sections, %.2fx the allocations", r)
	}
	if r := b10 / b1; r > 10.5 {
		t.Errorf("10x the sections, %.2fx the bytes", r)
	}
}

func noop(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { next.ServeHTTP(w, r) })
}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })

// BenchmarkPipeline compares a pipeline of 10 no-op filters built from a
// paste file with the same chain wired by hand with alice: the loader
// adds nothing per request.
func BenchmarkPipeline(b *testing.B) {
	const n = 10
	reg := &factory.Registry{}
	reg.Register(factory.Factory{Name: "noop", Namespace: "pasteserve", Kind: factory.KindFilter, Filter: func(*factory.Config) (factory.Middleware, error) { return noop, nil }})
	reg.Register(factory.Factory{Name: "ok", Namespace: "pasteserve", Kind: factory.KindApp, App: func(*factory.Config) (http.Handler, error) { return okHandler, nil }})
	var src strings.Builder
	src.WriteString("[pipeline:main]\npipeline =")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&src, " f%d", i)
	}
	src.WriteString(" app\n[app:app]\nuse = egg:pasteserve#ok\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&src, "[filter:f%d]\nuse = egg:pasteserve#noop\n", i)
	}
	dir := b.TempDir()
	path := filepath.Join(dir, "api.ini")
	if err := writeFile(path, src.String()); err != nil {
		b.Fatal(err)
	}
	r := &resolve.Resolver{Registry: reg}
	node, err := r.Resolve(path, "main", plan.TypeApp, nil)
	if err != nil {
		b.Fatal(err)
	}
	built, err := build.Handler(node, reg)
	if err != nil {
		b.Fatal(err)
	}
	mws := make([]alice.Constructor, n)
	for i := range mws {
		mws[i] = noop
	}
	hand := alice.New(mws...).Then(okHandler)
	req := httptest.NewRequest("GET", "/", nil)
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{{"hand-wired", hand}, {"built", built}} {
		b.Run(bc.name, func(b *testing.B) {
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				bc.h.ServeHTTP(w, req)
			}
		})
	}
}
