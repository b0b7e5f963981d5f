package tokenauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/pasteserve/pasteserve/options"
)

// JWTTokenOptions are the options of jwt_token: where the keys are, the
// claims required, the cache, and those every token filter has
// (docs/auth.md lists them). Start from DefaultJWTTokenOptions.
type JWTTokenOptions struct {
	TokenOptions
	CacheOptions

	// SecretFile holds an HS256 secret of at least 32 bytes (a final
	// newline is dropped). Give it or JWKSFile, not both.
	SecretFile string `paste:"secret_file,doc=an HS256 secret of at least 32 bytes (or jwks_file)"`
	// JWKSFile is a JWKS document ({"keys": [...]}) of public keys:
	// RSA of 2048 bits or more, EC on P-256, P-384 or P-521, Ed25519.
	// Each key verifies only its own algorithm; keys with "use": "enc"
	// are skipped.
	JWKSFile string `paste:"jwks_file,doc=a JWKS document of the public keys that sign the tokens (or secret_file)"`
	// Issuer, when set, is the iss a token must carry.
	Issuer string `paste:"issuer,doc=the iss a token must carry (empty: any)"`
	// Audience, when set, lists the aud values of which a token must
	// carry one.
	Audience []string `paste:"audience,doc=aud values of which a token must carry one (empty: any)"`
	// Leeway is the clock skew allowed on exp and nbf; not negative.
	Leeway time.Duration `paste:"leeway,doc=seconds of clock skew allowed on exp and nbf"`
	// RequireExp refuses tokens without an exp claim.
	RequireExp bool `paste:"require_exp,doc=refuse tokens without exp"`
}

// DefaultJWTTokenOptions are DefaultTokenOptions and DefaultCacheOptions,
// with exp required and no leeway.
func DefaultJWTTokenOptions() JWTTokenOptions {
	return JWTTokenOptions{TokenOptions: DefaultTokenOptions(), CacheOptions: DefaultCacheOptions(), RequireExp: true}
}

// Validate asks for one source of keys and a leeway that is not
// negative.
func (o JWTTokenOptions) Validate() error {
	var errs []error
	switch {
	case o.SecretFile != "" && o.JWKSFile != "":
		errs = append(errs, options.Errorf("jwks_file", "give secret_file or jwks_file, not both"))
	case o.SecretFile == "" && o.JWKSFile == "":
		errs = append(errs, options.Errorf("jwks_file", "is required (or secret_file): the keys that sign the tokens"))
	}
	if o.Leeway < 0 {
		errs = append(errs, options.Errorf("leeway", "is negative"))
	}
	errs = append(errs, o.CacheOptions.Validate())
	return errors.Join(errs...)
}

// NewJWTToken returns the jwt_token filter.
//
// jwt_token is auth_token without Keystone: the token is a JSON Web
// Token, checked locally with an HS256 secret (secret_file) or the
// public keys of a JWKS file (jwks_file: RS256, ES256 and the rest),
// and its claims become the same X-User-Id, X-Project-Id, X-Roles...
// headers and Identity (factsFromClaims has the mapping), so
// keystonecontext and the apps behind it work unchanged. The request
// flow, delay_auth_decision and service tokens are auth_token's
// (flow.go). The token is read from X-Auth-Token, or from
// Authorization: Bearer, which is where OpenID Connect clients put it.
// The key file is read by NewJWTToken, when the pipeline is built.
func NewJWTToken(o JWTTokenOptions) (func(http.Handler) http.Handler, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	v := &jwtVerifier{}
	var err error
	if o.SecretFile != "" {
		v.keys, err = readSecretFile("secret_file", o.SecretFile)
	} else {
		v.keys, err = readJWKSFile("jwks_file", o.JWKSFile)
	}
	if err != nil {
		return nil, err
	}
	a := &tokenAuth{name: "jwt_token", bearer: true, now: time.Now}
	opts := []jwt.ParserOption{jwt.WithValidMethods(v.algorithms()), jwt.WithLeeway(o.Leeway), jwt.WithTimeFunc(a.now)}
	if o.RequireExp {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	if o.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(o.Issuer))
	}
	if len(o.Audience) > 0 {
		opts = append(opts, jwt.WithAudience(o.Audience...))
	}
	v.parser = jwt.NewParser(opts...)
	v.leeway = o.Leeway
	a.setOptions(o.TokenOptions, "Bearer")
	a.verifier = o.CacheOptions.cached(v)
	return a.middleware, nil
}

// jwtVerifier checks a JWT's signature and standard claims (exp, nbf,
// iss, aud) and maps the rest. Tokens past exp are invalid even with a
// service token: a JWT cannot be checked again the way Keystone
// re-validates an expired token.
type jwtVerifier struct {
	keys   []jwtKey
	parser *jwt.Parser
	leeway time.Duration
}

func (v *jwtVerifier) verify(_ context.Context, token string, _ bool, _ time.Time) (*tokenIdentity, error) {
	t, err := v.parser.Parse(token, v.keyFor)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errInvalidToken, err)
	}
	f, err := factsFromClaims(t.Claims.(jwt.MapClaims))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errInvalidToken, err)
	}
	if !f.Expires.IsZero() {
		// The parser accepted it within the leeway; so does the flow.
		f.Expires = f.Expires.Add(v.leeway)
	}
	return newTokenIdentity(f), nil
}

// keyFor picks the keys that may have signed t: those of its algorithm
// and, when it names one, its kid.
func (v *jwtVerifier) keyFor(t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	var set jwt.VerificationKeySet
	for _, k := range v.keys {
		if k.alg == t.Method.Alg() && (kid == "" || k.kid == "" || k.kid == kid) {
			set.Keys = append(set.Keys, k.key)
		}
	}
	if len(set.Keys) == 0 {
		return nil, fmt.Errorf("no key for alg %s kid %q", t.Method.Alg(), kid)
	}
	return set, nil
}

// algorithms lists the algorithms of the keys, for the parser to refuse
// any other before looking for a key.
func (v *jwtVerifier) algorithms() []string {
	seen := map[string]bool{}
	var algs []string
	for _, k := range v.keys {
		if !seen[k.alg] {
			seen[k.alg] = true
			algs = append(algs, k.alg)
		}
	}
	sort.Strings(algs)
	if len(algs) == 0 {
		// No usable key (an error is recorded): accept nothing.
		algs = []string{"-"}
	}
	return algs
}
