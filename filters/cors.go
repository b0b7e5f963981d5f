package filters

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/cors"
	"github.com/pasteserve/pasteserve/factory"
)

// corsSimpleHeaders are the request headers oslo always allows in a
// preflight, besides allow_headers.
var corsSimpleHeaders = []string{"Accept", "Accept-Language", "Content-Type", "Cache-Control",
	"Content-Language", "Expires", "Last-Modified", "Pragma"}

var corsDefaultMethods = []string{"OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "PATCH"}

// corsServiceDefaults are the [cors] defaults a service sets in code
// (oslo's cors.set_defaults) before reading its configuration, keyed by
// the oslo_config_project that names the service.
var corsServiceDefaults = map[string]map[string][]string{
	"neutron": {
		"allow_headers":  {"X-Auth-Token", "X-Identity-Status", "X-Roles", "X-Service-Catalog", "X-User-Id", "X-Tenant-Id", "X-OpenStack-Request-ID"},
		"expose_headers": {"X-Auth-Token", "X-Subject-Token", "X-Service-Token", "X-OpenStack-Request-ID", "OpenStack-Volume-microversion"},
		"allow_methods":  {"GET", "PUT", "POST", "DELETE", "PATCH"},
	},
}

// CORS is the cors factory.
//
// cors is oslo.middleware's CORS filter, with oslo's option names and
// defaults, built on github.com/go-chi/cors. Browsers call an OpenStack
// API from a dashboard on another origin only if the API answers with
// Access-Control-* headers for that origin.
//
// Each option is read from the paste section first and then from the
// [cors] group of the server's --config-file files (which the server
// hands over as global_conf "cors.<option>"). Every corpus file
// configures the filter as "oslo_config_project = <service>", which makes
// oslo read [cors] from the service's own configuration file; with
// pasteserve that file is the one given with --config-file. Where
// oslo_config_project names a service that changes oslo's defaults
// (neutron), those defaults apply. Without allowed_origin the filter lets
// everything through untouched (no origin is allowed), as oslo does with
// its default allowed_origin of None.
//
// Differences from oslo, from go-chi/cors: a simple (non-preflight)
// cross-origin request gets CORS headers only if its method is in
// allow_methods (oslo does not check; the default list has every common
// method), and headers are set before the app runs, so an app that sets
// Access-Control-Allow-Origin itself replaces them (oslo keeps the app's
// header by not adding its own).
func CORS(cfg *factory.Config) (factory.Middleware, error) {
	cfg = cfg.InGroup("cors")
	defaults := corsServiceDefaults[cfg.String("oslo_config_project", "")]
	list := func(key string) []string {
		if _, ok := cfg.Get(key); ok || defaults[key] == nil {
			return cfg.List(key)
		}
		return defaults[key]
	}
	origins := cfg.List("allowed_origin")
	for _, o := range origins {
		if o == "*" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			cfg.Errorf("allowed_origin", "%q is not an origin (write scheme://host[:port], or *)", o)
		}
	}
	opts := cors.Options{
		AllowedOrigins:   origins,
		AllowCredentials: cfg.Bool("allow_credentials", true),
		ExposedHeaders:   list("expose_headers"),
		MaxAge:           cfg.Int("max_age", 3600),
		AllowedMethods:   corsDefaultMethods,
		AllowedHeaders:   append(append([]string(nil), corsSimpleHeaders...), list("allow_headers")...),
	}
	if opts.MaxAge < 0 {
		cfg.Errorf("max_age", "%d is negative (seconds a browser may cache a preflight answer)", opts.MaxAge)
	}
	if _, ok := cfg.Get("allow_methods"); ok || defaults["allow_methods"] != nil {
		opts.AllowedMethods = list("allow_methods")
		for _, m := range opts.AllowedMethods {
			if !isToken(m) {
				cfg.Errorf("allow_methods", "%q is not an HTTP method", m)
			}
		}
	}
	for _, key := range []string{"allow_headers", "expose_headers"} {
		for _, h := range cfg.List(key) {
			if !isToken(h) {
				cfg.Errorf(key, "%q is not a header name", h)
			}
		}
	}
	if err := cfg.Err(); err != nil {
		return nil, err
	}
	for i, o := range opts.AllowedOrigins {
		opts.AllowedOrigins[i] = strings.TrimSuffix(o, "/")
	}
	if len(opts.AllowedOrigins) == 0 {
		return func(next http.Handler) http.Handler { return next }, nil
	}
	return cors.Handler(opts), nil
}

// isToken reports whether s is an RFC 9110 token: what method and header
// names are made of.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
