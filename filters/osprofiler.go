package filters

import (
	"net/http"
)

// OSProfilerOptions are the options of the osprofiler filter, those of
// osprofiler's WsgiMiddleware. They are accepted and ignored (this
// filter never profiles); Enabled is still read as a boolean, so that a
// typo in it fails the build as it would in osprofiler.
type OSProfilerOptions struct {
	// Enabled is osprofiler's switch; ignored.
	Enabled bool `paste:"enabled,doc=osprofiler's switch: read as a boolean, and ignored (no profiling)"`
	// HMACKeys are the keys osprofiler checks X-Trace-HMAC with;
	// ignored.
	HMACKeys string `paste:"hmac_keys,doc=the keys osprofiler signs traces with: ignored"`
}

// NewOSProfiler stands for osprofiler's WsgiMiddleware
// (egg:osprofiler#osprofiler) and the per-service wrappers of it.
// osprofiler traces a request only when it carries X-Trace-Info and
// X-Trace-HMAC signed with one of [profiler] hmac_keys and profiling is
// enabled; otherwise it does nothing. pasteserve has no profiler, so this
// filter is that "otherwise": it passes every request on untouched, and
// exists so that the many pipelines that name osprofiler build. Its
// options are accepted and ignored.
func NewOSProfiler(OSProfilerOptions) (func(http.Handler) http.Handler, error) {
	return func(next http.Handler) http.Handler { return next }, nil
}
