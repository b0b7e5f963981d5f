package loader

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
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
	resolved, err := (&Resolver{Registry: testRegistry()}).Resolve(path, name, plan.TypeApp, global)
	if err != nil {
		b.Fatal(err)
	}
	reg := stubRegistry(resolved)
	b.ReportAllocs()
	for b.Loop() {
		n, err := (&Resolver{Registry: reg}).Resolve(path, name, plan.TypeApp, global)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Build(n, reg); err != nil {
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
			var src strings.Builder
			src.WriteString("[composite:main]\nuse = egg:Paste#urlmap\n")
			for i := 0; i < n; i++ {
				fmt.Fprintf(&src, "/p%d = p%d\n", i, i)
			}
			for i := 0; i < n; i++ {
				fmt.Fprintf(&src, "[pipeline:p%d]\npipeline = a%d b%d app%d\n[filter:a%d]\nuse = egg:X#a\nk = %d\n[filter:b%d]\nuse = egg:X#b\n[app:app%d]\nuse = egg:X#app\n", i, i, i, i, i, i, i, i)
			}
			path := filepath.Join(b.TempDir(), "gen.ini")
			if err := os.WriteFile(path, []byte(src.String()), 0o644); err != nil {
				b.Fatal(err)
			}
			benchmarkLoad(b, path, "main", nil)
		})
	}
}
