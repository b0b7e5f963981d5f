package tokenauth

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pasteserve/pasteserve/options"
)

// AuthTokenOptions are the options of auth_token: keystonemiddleware's
// [keystone_authtoken] ones that pasteserve provides (docs/auth.md lists
// them). A paste file gives them in the filter's section or, failing
// that, as global_conf keys "keystone_authtoken.<option>", which is how
// a server passes the service's oslo.config group; where
// keystonemiddleware reads the service's config files itself
// (oslo_config_project), pasteserve leaves that to the server, so a
// paste file that names auth_token without options still builds. A
// value in the section wins over the group's, as keystonemiddleware
// lets paste options override the config file.
//
// Start from DefaultAuthTokenOptions: its zero value is not
// keystonemiddleware's defaults.
type AuthTokenOptions struct {
	TokenOptions `paste:",group=keystone_authtoken"`
	CacheOptions `paste:",group=keystone_authtoken"`
	// MemcacheOptions share the cache in memcached
	// (memcached_servers); without them it is the process's.
	MemcacheOptions `paste:",group=keystone_authtoken"`

	// AuthURL is the Keystone URL auth_token authenticates its service
	// user at: http://keystone:5000/v3 (/v3 is added when missing, a
	// /v2.0 replaced).
	AuthURL string `paste:"auth_url,required,group=keystone_authtoken,doc=the Keystone URL auth_token authenticates its service user at, e.g. http://keystone:5000/v3"`
	// AuthType is keystoneauth's plugin: password or v3password, which
	// are the same here; DefaultAuthTokenOptions has password.
	AuthType string `paste:"auth_type,deprecated=auth_plugin,enum=password|v3password,group=keystone_authtoken,doc=keystoneauth's plugin for the service user: password or v3password (the same)"`

	// Username (or UserID) is auth_token's service user.
	Username string `paste:"username,deprecated=user_name,group=keystone_authtoken,doc=the service user auth_token authenticates as (or user_id)"`
	// UserID is the service user by id; no domain is needed then.
	UserID string `paste:"user_id,group=keystone_authtoken,doc=the service user by id"`
	// Password is the service user's password.
	Password string `paste:"password,required,group=keystone_authtoken,doc=the password of auth_token's service user"`
	// UserDomainName (or UserDomainID) is the service user's domain,
	// needed with Username.
	UserDomainName string `paste:"user_domain_name,group=keystone_authtoken,doc=the service user's domain (or user_domain_id), usually Default"`
	// UserDomainID is the service user's domain by id.
	UserDomainID string `paste:"user_domain_id,group=keystone_authtoken,doc=the service user's domain by id"`

	// ProjectName (or ProjectID, DomainName, DomainID, SystemScope) is
	// the scope of the service token, which Keystone requires to
	// validate tokens.
	ProjectName string `paste:"project_name,deprecated=tenant_name,group=keystone_authtoken,doc=the project of the service token (or project_id, domain_name, domain_id, system_scope)"`
	// ProjectID is the service token's project by id.
	ProjectID string `paste:"project_id,group=keystone_authtoken,doc=the project of the service token by id"`
	// ProjectDomainName (or ProjectDomainID) is the project's domain,
	// needed with ProjectName.
	ProjectDomainName string `paste:"project_domain_name,group=keystone_authtoken,doc=the service project's domain (or project_domain_id), usually Default"`
	// ProjectDomainID is the project's domain by id.
	ProjectDomainID string `paste:"project_domain_id,group=keystone_authtoken,doc=the service project's domain by id"`
	// DomainName scopes the service token to a domain instead.
	DomainName string `paste:"domain_name,group=keystone_authtoken,doc=a domain scope for the service token"`
	// DomainID scopes the service token to a domain by id.
	DomainID string `paste:"domain_id,group=keystone_authtoken,doc=a domain scope for the service token, by id"`
	// SystemScope scopes the service token to the system ("all").
	SystemScope string `paste:"system_scope,group=keystone_authtoken,doc=a system scope for the service token: all"`
	// DefaultDomainName and DefaultDomainID stand in for both domains,
	// as in keystoneauth.
	DefaultDomainName string `paste:"default_domain_name,group=keystone_authtoken,doc=the user's and project's domain when they name none"`
	// DefaultDomainID is DefaultDomainName by id.
	DefaultDomainID string `paste:"default_domain_id,group=keystone_authtoken,doc=the user's and project's domain by id when they name none"`

	// Interface is which catalog endpoint of the identity service
	// validates tokens: public, internal or admin (also keystoneauth's
	// older publicURL, internalURL, adminURL).
	Interface string `paste:"interface,group=keystone_authtoken,doc=the catalog endpoint that validates tokens: public, internal or admin"`
	// RegionName is the region of that endpoint; empty takes any.
	RegionName string `paste:"region_name,group=keystone_authtoken,doc=the region of that endpoint (empty: any)"`
	// HTTPConnectTimeout bounds each request to Keystone; it must be
	// more than 0.
	HTTPConnectTimeout time.Duration `paste:"http_connect_timeout,group=keystone_authtoken,doc=seconds allowed for each request to Keystone"`
	// HTTPRequestMaxRetries is how many times a request that could not
	// connect is retried (0.5 s, 1 s, 2 s... apart).
	HTTPRequestMaxRetries int `paste:"http_request_max_retries,group=keystone_authtoken,doc=retries after a failure to connect to Keystone"`
	// IncludeServiceCatalog asks Keystone for the token's catalog and
	// passes it on in X-Service-Catalog.
	IncludeServiceCatalog bool `paste:"include_service_catalog,group=keystone_authtoken,doc=ask for the catalog and pass it on in X-Service-Catalog"`
	// EnforceTokenBind is permissive (a token bound to Kerberos is
	// refused, other tokens pass) or disabled (binding is ignored).
	EnforceTokenBind string `paste:"enforce_token_bind,enum=disabled|permissive,group=keystone_authtoken,doc=permissive or disabled: what a token bound to Kerberos gets"`

	// CAFile holds the PEM CAs to trust for an https Keystone, instead
	// of the system's. It is used as written (not relative to the paste
	// file), as oslo.config reads it.
	CAFile string `paste:"cafile,group=keystone_authtoken,doc=PEM CAs for an https Keystone (empty: the system's)"`
	// CertFile and KeyFile are a client certificate, PEM; one needs the
	// other.
	CertFile string `paste:"certfile,group=keystone_authtoken,doc=a client certificate for Keystone, PEM (with keyfile)"`
	// KeyFile is CertFile's private key.
	KeyFile string `paste:"keyfile,group=keystone_authtoken,doc=the private key of certfile, PEM"`
	// Insecure does not verify Keystone's certificate: for tests only.
	Insecure bool `paste:"insecure,group=keystone_authtoken,doc=do not verify Keystone's certificate (testing only)"`
}

// DefaultAuthTokenOptions are keystonemiddleware's defaults: password
// authentication, the internal endpoint, a 10 second timeout with 3
// retries, the catalog included, permissive binding, and answers
// cached 300 seconds.
func DefaultAuthTokenOptions() AuthTokenOptions {
	return AuthTokenOptions{
		TokenOptions:          DefaultTokenOptions(),
		CacheOptions:          DefaultCacheOptions(),
		MemcacheOptions:       DefaultMemcacheOptions(),
		AuthType:              "password",
		Interface:             "internal",
		HTTPConnectTimeout:    10 * time.Second,
		HTTPRequestMaxRetries: 3,
		IncludeServiceCatalog: true,
		EnforceTokenBind:      "permissive",
	}
}

// Validate checks what the tags cannot say: auth_url is an http(s) URL,
// the service user and its scope are named with their domains, and the
// numbers and choices are in range.
func (o AuthTokenOptions) Validate() error {
	var errs []error
	add := func(option, format string, args ...any) { errs = append(errs, options.Errorf(option, format, args...)) }
	if o.AuthURL != "" {
		if u, err := url.Parse(o.AuthURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("auth_url", "%q is not an http:// or https:// URL", o.AuthURL)
		}
	}
	switch strings.ToLower(o.AuthType) {
	case "password", "v3password":
	default:
		add("auth_type", "%q is not one of password, v3password", o.AuthType)
	}
	if o.UserID == "" {
		if o.Username == "" {
			add("username", "is required: the name of the service user auth_token authenticates as (or user_id)")
		}
		if o.domainRef(o.UserDomainID, o.UserDomainName) == nil {
			add("user_domain_name", "is required (or user_domain_id): the service user's domain, usually Default")
		}
	}
	switch {
	case o.ProjectID != "":
	case o.ProjectName != "":
		if o.domainRef(o.ProjectDomainID, o.ProjectDomainName) == nil {
			add("project_domain_name", "is required (or project_domain_id): the service project's domain, usually Default")
		}
	case o.DomainID != "", o.DomainName != "", o.SystemScope != "":
	default:
		add("project_name", "is required (or project_id, domain_name, domain_id, system_scope): the scope of auth_token's service token, which Keystone requires to validate tokens")
	}
	if _, ok := endpointInterface(o.Interface); !ok {
		add("interface", "%q is not one of public, internal, admin", o.Interface)
	}
	if o.HTTPRequestMaxRetries < 0 {
		add("http_request_max_retries", "is negative")
	}
	if o.HTTPConnectTimeout <= 0 {
		add("http_connect_timeout", "must be more than 0 seconds")
	}
	switch strings.ToLower(o.EnforceTokenBind) {
	case "disabled", "permissive":
	default:
		add("enforce_token_bind", "%q is not one of disabled, permissive", o.EnforceTokenBind)
	}
	switch {
	case o.CertFile != "" && o.KeyFile == "":
		add("keyfile", "is required with certfile")
	case o.KeyFile != "" && o.CertFile == "":
		add("certfile", "is required with keyfile")
	}
	errs = append(errs, o.CacheOptions.Validate(), o.MemcacheOptions.Validate())
	return errors.Join(errs...)
}

// NewAuthToken returns keystonemiddleware's auth_token filter.
//
// auth_token is keystonemiddleware's AuthProtocol, the filter in front of
// nearly every OpenStack API: it checks the X-Auth-Token of each request
// with Keystone (GET /v3/auth/tokens, using a service token of its own
// got by password), and tells the app who the caller is in X-User-Id,
// X-Project-Id, X-Roles and the other identity headers, and as the
// request's Identity. A request without a valid token is answered 401
// with WWW-Authenticate: Keystone uri="<www_authenticate_uri>", or passed
// on marked X-Identity-Status: Invalid under delay_auth_decision; when
// Keystone cannot be asked, 503. Answers are cached for
// token_cache_time, in the process or, with memcached_servers, in
// memcached, shared with every process, Go or Python, that names it
// (memcache.go). The request flow is in flow.go, the talk
// with Keystone in keystone_session.go and keystone.go.
//
// NewAuthToken checks o (Validate, and the options a paste file
// requires) and reads the TLS files it names; it does not talk to
// Keystone, which it asks for its service token when the first request
// needs it, so a service starts while Keystone is down.
func NewAuthToken(o AuthTokenOptions) (func(http.Handler) http.Handler, error) {
	var missing []error
	if o.AuthURL == "" {
		missing = append(missing, requiredError("auth_url", "the Keystone URL auth_token authenticates its service user at, e.g. http://keystone:5000/v3"))
	}
	if o.Password == "" {
		missing = append(missing, requiredError("password", "the password of auth_token's service user"))
	}
	if err := errors.Join(append(missing, o.Validate())...); err != nil {
		return nil, err
	}
	transport, err := o.keystoneTransport()
	if err != nil {
		return nil, err
	}
	iface, _ := endpointInterface(o.Interface)
	s := &keystoneSession{
		authURL:    v3Root(o.AuthURL),
		authBody:   o.passwordAuthBody(),
		iface:      iface,
		region:     o.RegionName,
		retries:    o.HTTPRequestMaxRetries,
		retryDelay: 500 * time.Millisecond,
		now:        time.Now,
		client:     &http.Client{Timeout: o.HTTPConnectTimeout, Transport: transport},
	}
	v := &keystoneVerifier{
		session:        s,
		includeCatalog: o.IncludeServiceCatalog,
		bindPermissive: strings.EqualFold(o.EnforceTokenBind, "permissive"),
	}
	a := &tokenAuth{name: "auth_token", now: time.Now}
	a.setOptions(o.TokenOptions, `Keystone uri="`+o.AuthURL+`"`)
	a.verifier = o.tokenCache(v)
	return a.middleware, nil
}

// endpointInterface reads interface: public, internal or admin, also in
// keystoneauth's older spellings publicURL, internalURL, adminURL.
func endpointInterface(s string) (string, bool) {
	v := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), "url")
	switch v {
	case "public", "internal", "admin":
		return v, true
	}
	return "internal", false
}
