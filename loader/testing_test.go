package loader

import (
	"net/http"
	"os"
)

// testRegistry registers stand-in factories under a few references so
// that tests can check composites and build handlers.
func testRegistry() *Registry {
	r := &Registry{}
	r.Register(Factory{Name: "urlmap-test", Aliases: []string{"egg:Paste#urlmap"}, Kind: KindComposite,
		Composite: func(l Loader, cfg *Config) (http.Handler, error) { return http.NotFoundHandler(), nil },
		Children: func(cfg *Config) map[string]string {
			kids := map[string]string{}
			for k, v := range cfg.Local {
				kids[k] = v
			}
			return kids
		}})
	return r
}

func writeFile(path, src string) error { return os.WriteFile(path, []byte(src), 0o644) }
