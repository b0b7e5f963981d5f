package filters

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/go-chi/cors"
	"github.com/pasteserve/pasteserve/options"
)

// CORSOptions are the options of the cors filter: oslo.middleware's
// [cors] options, with oslo's names. DefaultCORSOptions holds oslo's
// defaults, which a paste section starts from.
type CORSOptions struct {
	// AllowedOrigin lists the origins (scheme://host[:port], or *) that
	// may call the API from a browser. Without any, the filter lets
	// every request through untouched, as oslo does with its default of
	// None.
	AllowedOrigin []string `paste:"allowed_origin,group=cors,doc=origins scheme://host[:port], or *; none: the filter does nothing"`
	// AllowCredentials sends Access-Control-Allow-Credentials: true, so
	// that a browser sends cookies and HTTP authentication.
	AllowCredentials bool `paste:"allow_credentials,group=cors,doc=send Access-Control-Allow-Credentials: true"`
	// ExposeHeaders are the response headers a script may read
	// (Access-Control-Expose-Headers).
	ExposeHeaders []string `paste:"expose_headers,group=cors,doc=Access-Control-Expose-Headers"`
	// MaxAge is how many seconds a browser may cache a preflight answer.
	MaxAge int `paste:"max_age,group=cors,doc=seconds a preflight answer may be cached"`
	// AllowMethods are the methods a preflight may ask for.
	AllowMethods []string `paste:"allow_methods,group=cors,doc=methods a preflight may ask for"`
	// AllowHeaders are the request headers a preflight may ask for,
	// besides the simple ones, which are always allowed (Accept,
	// Accept-Language, Content-Type, Cache-Control, Content-Language,
	// Expires, Last-Modified, Pragma).
	AllowHeaders []string `paste:"allow_headers,group=cors,doc=request headers a preflight may ask for, besides the simple ones"`
}

// DefaultCORSOptions are oslo's defaults: credentials allowed, preflight
// answers cached for an hour, every common method, and no origin (so the
// filter does nothing until one is given).
func DefaultCORSOptions() CORSOptions {
	return CORSOptions{
		AllowCredentials: true,
		MaxAge:           3600,
		AllowMethods:     []string{"OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "PATCH"},
	}
}

// CORSServiceDefaults are the options a service's [cors] starts from:
// oslo's defaults, changed where the service sets its own in code
// (oslo's cors.set_defaults) before it reads its configuration. project
// names the service, as the filter's oslo_config_project does; only
// neutron's defaults are built in, and any other project gets oslo's.
func CORSServiceDefaults(project string) CORSOptions {
	o := DefaultCORSOptions()
	if project == "neutron" {
		o.AllowHeaders = []string{"X-Auth-Token", "X-Identity-Status", "X-Roles", "X-Service-Catalog", "X-User-Id", "X-Tenant-Id", "X-OpenStack-Request-ID"}
		o.ExposeHeaders = []string{"X-Auth-Token", "X-Subject-Token", "X-Service-Token", "X-OpenStack-Request-ID", "OpenStack-Volume-microversion"}
		o.AllowMethods = []string{"GET", "PUT", "POST", "DELETE", "PATCH"}
	}
	return o
}

// corsSimpleHeaders are the request headers oslo always allows in a
// preflight, besides allow_headers.
var corsSimpleHeaders = []string{"Accept", "Accept-Language", "Content-Type", "Cache-Control",
	"Content-Language", "Expires", "Last-Modified", "Pragma"}

// Validate reports every option that cannot work: an origin that is not
// scheme://host[:port] (or *), a negative max age, a method or header
// name that is not an HTTP token.
func (o CORSOptions) Validate() error {
	var errs []error
	for _, origin := range o.AllowedOrigin {
		if origin == "*" {
			continue
		}
		u, err := url.Parse(origin)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			errs = append(errs, options.Errorf("allowed_origin", "%q is not an origin (write scheme://host[:port], or *)", origin))
		}
	}
	if o.MaxAge < 0 {
		errs = append(errs, options.Errorf("max_age", "%d is negative (seconds a browser may cache a preflight answer)", o.MaxAge))
	}
	for _, m := range o.AllowMethods {
		if !isToken(m) {
			errs = append(errs, options.Errorf("allow_methods", "%q is not an HTTP method", m))
		}
	}
	for _, h := range o.AllowHeaders {
		if !isToken(h) {
			errs = append(errs, options.Errorf("allow_headers", "%q is not a header name", h))
		}
	}
	for _, h := range o.ExposeHeaders {
		if !isToken(h) {
			errs = append(errs, options.Errorf("expose_headers", "%q is not a header name", h))
		}
	}
	return errors.Join(errs...)
}

// NewCORS returns oslo.middleware's CORS filter, with oslo's option names
// and defaults, built on github.com/go-chi/cors. Browsers call an
// OpenStack API from a dashboard on another origin only if the API
// answers with Access-Control-* headers for that origin.
//
// From a paste file (egg:oslo.middleware#cors), each option is read from
// the paste section first and then from the [cors] group of the
// server's --config-file files (which the server hands over as
// global_conf "cors.<option>"). Every corpus file configures the filter
// as "oslo_config_project = <service>", which makes oslo read [cors] from
// the service's own configuration file; with pasteserve that file is the
// one given with --config-file. Where oslo_config_project names a
// service that changes oslo's defaults (neutron), those defaults apply
// (CORSServiceDefaults). Without allowed_origin the filter lets
// everything through untouched (no origin is allowed), as oslo does with
// its default allowed_origin of None.
//
// Differences from oslo, from go-chi/cors: a simple (non-preflight)
// cross-origin request gets CORS headers only if its method is in
// allow_methods (oslo does not check; the default list has every common
// method), and headers are set before the app runs, so an app that sets
// Access-Control-Allow-Origin itself replaces them (oslo keeps the app's
// header by not adding its own).
func NewCORS(o CORSOptions) (func(http.Handler) http.Handler, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if len(o.AllowedOrigin) == 0 {
		return func(next http.Handler) http.Handler { return next }, nil
	}
	origins := make([]string, len(o.AllowedOrigin))
	for i, origin := range o.AllowedOrigin {
		origins[i] = strings.TrimSuffix(origin, "/")
	}
	return cors.Handler(cors.Options{
		AllowedOrigins:   origins,
		AllowCredentials: o.AllowCredentials,
		ExposedHeaders:   slices.Clone(o.ExposeHeaders),
		MaxAge:           o.MaxAge,
		AllowedMethods:   slices.Clone(o.AllowMethods),
		AllowedHeaders:   append(slices.Clone(corsSimpleHeaders), o.AllowHeaders...),
	}), nil
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
