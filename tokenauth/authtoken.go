package tokenauth

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pasteserve/pasteserve/factory"
)

// AuthToken is the auth_token factory; docs/auth.md lists its options.
//
// auth_token is keystonemiddleware's AuthProtocol, the filter in front of
// nearly every OpenStack API: it checks the X-Auth-Token of each request
// with Keystone (GET /v3/auth/tokens, using a service token of its own
// got by password), and tells the app who the caller is in X-User-Id,
// X-Project-Id, X-Roles and the other identity headers, and as the
// request's Identity. A request without a valid token is answered 401
// with WWW-Authenticate: Keystone uri="<www_authenticate_uri>", or passed
// on marked X-Identity-Status: Invalid under delay_auth_decision; when
// Keystone cannot be asked, 503. Answers are cached in the process for
// token_cache_time. The request flow is in flow.go, the talk
// with Keystone in keystone_session.go and keystone.go.
//
// Its options are keystonemiddleware's [keystone_authtoken] ones, read
// from the paste section and, failing that, from global_conf keys
// "keystone_authtoken.<option>", which is how a server passes the
// service's oslo.config group (see keystoneAuthtokenGroup).
func AuthToken(cfg *factory.Config) (factory.Middleware, error) {
	o := optionSource{cfg: cfg.InGroup(keystoneAuthtokenGroup)}
	rejectUnsupportedAuthTokenOptions(o)

	authURL := o.required("the Keystone URL auth_token authenticates its service user at, e.g. http://keystone:5000/v3", "auth_url")
	if authURL != "" {
		if u, err := url.Parse(authURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			o.errorf("auth_url", "%q is not an http:// or https:// URL", authURL)
		}
	}
	o.oneOf("password", []string{"password", "v3password"}, "auth_type", "auth_plugin")
	s := &keystoneSession{
		authURL:    v3Root(authURL),
		authBody:   passwordAuthBody(o),
		iface:      endpointInterface(o),
		region:     o.str("", "region_name"),
		retries:    o.integer(3, "http_request_max_retries"),
		retryDelay: 500 * time.Millisecond,
		now:        time.Now,
	}
	if s.retries < 0 {
		o.errorf("http_request_max_retries", "is negative")
	}
	timeout := o.seconds(10*time.Second, "http_connect_timeout")
	if timeout <= 0 {
		o.errorf("http_connect_timeout", "must be more than 0 seconds")
	}
	s.client = &http.Client{Timeout: timeout, Transport: keystoneTransport(o)}

	v := &keystoneVerifier{
		session:        s,
		includeCatalog: o.boolean(true, "include_service_catalog"),
		bindPermissive: o.oneOf("permissive", []string{"disabled", "permissive"}, "enforce_token_bind") == "permissive",
	}
	a := &tokenAuth{name: "auth_token", now: time.Now}
	a.readOptions(o, `Keystone uri="`+authURL+`"`)
	a.verifier = cached(o, v)
	return newTokenAuthMiddleware(cfg, a)
}

// cached wraps v in the token cache token_cache_time and token_cache_size
// describe; a token_cache_time of 0 or less (keystonemiddleware's -1)
// turns caching off.
func cached(o optionSource, v tokenVerifier) tokenVerifier {
	ttl := o.seconds(300*time.Second, "token_cache_time")
	size := o.integer(10000, "token_cache_size")
	if size <= 0 {
		o.errorf("token_cache_size", "must be at least 1")
	}
	if ttl <= 0 || size <= 0 {
		return v
	}
	return newCachingVerifier(v, ttl, size)
}

// endpointInterface reads interface: public, internal (the default) or
// admin, also in keystoneauth's older spellings publicURL, internalURL,
// adminURL.
func endpointInterface(o optionSource) string {
	v := strings.TrimSuffix(strings.ToLower(o.str("internal", "interface")), "url")
	switch v {
	case "public", "internal", "admin":
		return v
	}
	o.errorf("interface", "%q is not one of public, internal, admin", o.str("", "interface"))
	return "internal"
}

// rejectUnsupportedAuthTokenOptions fails the build for options whose
// meaning pasteserve does not provide, rather than run without it.
func rejectUnsupportedAuthTokenOptions(o optionSource) {
	if key, _, ok := o.lookup("memcached_servers", "memcache_servers"); ok {
		o.errorf(key, "memcached is not implemented by pasteserve's auth_token; remove it to use the in-process token cache (each process validates and caches tokens itself, for token_cache_time)")
	}
	if o.set("cache") {
		o.errorf("cache", "a cache from the WSGI environment (Swift's) does not exist in pasteserve; remove it to use the in-process token cache")
	}
	// The options of keystonemiddleware's legacy plugin, which it uses
	// when auth_type is not set: admin user and v2.0 tenant.
	if !o.set("auth_type", "auth_plugin") {
		for _, key := range []string{"admin_user", "admin_password", "admin_tenant_name", "admin_token", "auth_host", "auth_port", "auth_protocol", "identity_uri", "auth_admin_prefix"} {
			if o.set(key) {
				o.errorf(key, "the legacy admin_user/auth_host options are not supported; use auth_type = password with auth_url, username, password, user_domain_name, project_name and project_domain_name")
			}
		}
	}
}
