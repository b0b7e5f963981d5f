package tokenauth

import (
	"time"

	"github.com/pasteserve/pasteserve/options"
)

// TokenOptions are the options every token filter has: what it does
// with a request once its tokens are judged. auth_token reads them from
// the [keystone_authtoken] group too (AuthTokenOptions embeds them with
// that group); jwt_token and static_token from their section only.
type TokenOptions struct {
	// DelayAuthDecision passes a request without a valid token on to
	// the app, marked X-Identity-Status: Invalid, instead of answering
	// 401 (or 503): the app decides (keystonemiddleware's
	// delay_auth_decision).
	DelayAuthDecision bool `paste:"delay_auth_decision,doc=pass requests without a valid token on, marked X-Identity-Status: Invalid, for the app to decide"`
	// ServiceTokenRoles are the roles of which a valid X-Service-Token
	// needs one; DefaultTokenOptions has keystonemiddleware's "service".
	ServiceTokenRoles []string `paste:"service_token_roles,doc=roles of which a service token needs one"`
	// ServiceTokenRolesRequired makes a service token holding none of
	// ServiceTokenRoles invalid; false accepts it, with a warning in the
	// log.
	ServiceTokenRolesRequired bool `paste:"service_token_roles_required,doc=a service token without one of service_token_roles is invalid (false: accepted with a warning)"`
	// WWWAuthenticateURI is the public Keystone URL that 401 answers
	// send clients to, in WWW-Authenticate: Keystone uri="...". Empty
	// keeps the filter's own challenge: auth_token's names its AuthURL,
	// jwt_token's and static_token's is Bearer.
	WWWAuthenticateURI string `paste:"www_authenticate_uri,deprecated=auth_uri,doc=the public Keystone URL 401 answers send clients to (WWW-Authenticate: Keystone uri=...)"`
}

// DefaultTokenOptions are keystonemiddleware's: decide at once, and
// require the "service" role of a service token.
func DefaultTokenOptions() TokenOptions {
	return TokenOptions{ServiceTokenRoles: []string{"service"}, ServiceTokenRolesRequired: true}
}

// CacheOptions are the options of the in-process cache of verified
// tokens (auth_token's and jwt_token's).
type CacheOptions struct {
	// TokenCacheTime is how long a verifier's answer is cached; 0 or
	// less (keystonemiddleware's -1) turns caching off. A token is never
	// accepted past its expiry, cached or not.
	TokenCacheTime time.Duration `paste:"token_cache_time,doc=seconds (or a Go duration) an answer is cached; 0 or -1 turns the cache off"`
	// TokenCacheSize bounds the number of cached tokens; it must be at
	// least 1 (turn the cache off with TokenCacheTime).
	TokenCacheSize int `paste:"token_cache_size,doc=at most this many tokens are cached (pasteserve's)"`
}

// DefaultCacheOptions are keystonemiddleware's 300 seconds, and 10000
// tokens: enough for a busy API, and small (a cached token is a few
// hundred bytes).
func DefaultCacheOptions() CacheOptions {
	return CacheOptions{TokenCacheTime: 300 * time.Second, TokenCacheSize: 10000}
}

// Validate refuses a cache of no tokens.
func (o CacheOptions) Validate() error {
	if o.TokenCacheSize <= 0 {
		return options.Errorf("token_cache_size", "must be at least 1")
	}
	return nil
}

// cached wraps v in the token cache o describes; a TokenCacheTime of 0
// or less turns caching off.
func (o CacheOptions) cached(v tokenVerifier) tokenVerifier {
	if o.TokenCacheTime <= 0 || o.TokenCacheSize <= 0 {
		return v
	}
	return newCachingVerifier(v, newMemoryStore(o.TokenCacheTime, o.TokenCacheSize))
}

// requiredError is the error of a required option left empty, worded as
// the decoder words it for a paste file: Go callers of the
// constructors get the same.
func requiredError(option, doc string) error {
	return options.Errorf(option, "is required: %s", doc)
}
