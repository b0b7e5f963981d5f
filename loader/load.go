package loader

import (
	"net/http"

	"github.com/pasteserve/pasteserve/build"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/resolve"
)

// Load resolves the app called name (default main) in the paste file at
// path, with global as the caller's global configuration, and builds it
// with reg: what a program that serves a paste file does. Errors carry
// file:line:col; use a resolve.Resolver directly to also get the parsed
// files for source excerpts.
func Load(path, name string, global map[string]string, reg *factory.Registry) (http.Handler, error) {
	n, err := (&resolve.Resolver{Registry: reg}).Resolve(path, name, plan.TypeApp, global)
	if err != nil {
		return nil, err
	}
	return build.Handler(n, reg)
}
