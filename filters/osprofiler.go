package filters

import (
	"net/http"

	"github.com/pasteserve/pasteserve/factory"
)

// OSProfiler is the osprofiler factory.
//
// osprofiler stands for osprofiler's WsgiMiddleware and the per-service
// wrappers of it. osprofiler traces a request only when it carries
// X-Trace-Info and X-Trace-HMAC signed with one of [profiler] hmac_keys
// and profiling is enabled; otherwise it does nothing. pasteserve has no
// profiler, so this filter is that "otherwise": it passes every request
// on untouched, and exists so that the many pipelines that name
// osprofiler build. Its options (enabled, hmac_keys) are accepted and
// ignored.
func OSProfiler(cfg *factory.Config) (factory.Middleware, error) {
	cfg.Bool("enabled", false) // checked, so a typo still fails the build
	return func(next http.Handler) http.Handler { return next }, cfg.Err()
}
