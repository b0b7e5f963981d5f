package filters

import (
	"net/http"

	"github.com/pasteserve/pasteserve/factory"
)

// osprofiler stands for osprofiler's WsgiMiddleware and the per-service
// wrappers of it. osprofiler traces a request only when it carries
// X-Trace-Info and X-Trace-HMAC signed with one of [profiler] hmac_keys
// and profiling is enabled; otherwise it does nothing. pasteserve has no
// profiler, so this filter is that "otherwise": it passes every request
// on untouched, and exists so that the many pipelines that name
// osprofiler build. Its options (enabled, hmac_keys) are accepted and
// ignored.
func init() {
	factory.Register(factory.Factory{
		Name: "osprofiler",
		Aliases: []string{
			"egg:osprofiler#osprofiler",
			"osprofiler.web:WsgiMiddleware.factory",
			"aodh.profiler:WsgiMiddleware.factory",
			"cyborg.common.profiler:WsgiMiddleware.factory",
			"designate.common.profiler:WsgiMiddleware.factory",
			"magnum.common.profiler:WsgiMiddleware.factory",
			"nova.profiler:WsgiMiddleware.factory",
			"panko.profiler:WsgiMiddleware.factory",
			"zun.common.profiler:WsgiMiddleware.factory",
		},
		Kind: factory.KindFilter,
		Doc:  "osprofiler's WsgiMiddleware with profiling off: passes requests through",
		Filter: func(cfg *factory.Config) (factory.Middleware, error) {
			cfg.Bool("enabled", false) // checked, so a typo still fails the build
			return func(next http.Handler) http.Handler { return next }, cfg.Err()
		},
	})
}
