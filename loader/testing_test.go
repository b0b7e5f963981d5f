package loader

import (
	"net/http"
	"os"

	"github.com/pasteserve/pasteserve/factory"
)

// testRegistry registers stand-in factories under a few references so
// that tests can check composites and build handlers.
func testRegistry() *factory.Registry {
	r := &factory.Registry{}
	r.Register(factory.Factory{Name: "urlmap-test", Aliases: []string{"egg:Paste#urlmap"}, Kind: factory.KindComposite,
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

func writeFile(path, src string) error { return os.WriteFile(path, []byte(src), 0o644) }
