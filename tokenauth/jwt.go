package tokenauth

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pasteserve/pasteserve/factory"
)

// JWTToken is the jwt_token factory; docs/auth.md lists its options.
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
func JWTToken(cfg *factory.Config) (factory.Middleware, error) {
	o := optionSource{cfg: cfg}
	v := &jwtVerifier{}
	secret, jwks := o.str("", "secret_file"), o.str("", "jwks_file")
	switch {
	case secret != "" && jwks != "":
		o.errorf("jwks_file", "give secret_file or jwks_file, not both")
	case secret != "":
		v.keys = readSecretFile(o, "secret_file", secret)
	case jwks != "":
		v.keys = readJWKSFile(o, "jwks_file", jwks)
	default:
		o.errorf("jwks_file", "is required (or secret_file): the keys that sign the tokens")
	}
	leeway := o.seconds(0, "leeway")
	if leeway < 0 {
		o.errorf("leeway", "is negative")
	}
	a := &tokenAuth{name: "jwt_token", bearer: true, now: time.Now}
	opts := []jwt.ParserOption{jwt.WithValidMethods(v.algorithms()), jwt.WithLeeway(leeway), jwt.WithTimeFunc(a.now)}
	if o.boolean(true, "require_exp") {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	if iss := o.str("", "issuer"); iss != "" {
		opts = append(opts, jwt.WithIssuer(iss))
	}
	if aud := o.list(nil, "audience"); len(aud) > 0 {
		opts = append(opts, jwt.WithAudience(aud...))
	}
	v.parser = jwt.NewParser(opts...)
	v.leeway = leeway
	a.readOptions(o, "Bearer")
	a.verifier = cached(o, v)
	return newTokenAuthMiddleware(cfg, a)
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
