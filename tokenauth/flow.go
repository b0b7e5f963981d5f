package tokenauth

import (
	"context"
	"encoding/hex"
	"errors"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pasteserve/pasteserve/fault"
	"github.com/pasteserve/pasteserve/reqlog"
)

// The token filters (auth_token, jwt_token, static_token) differ only in
// how they learn who a token stands for; what they do with a request is
// keystonemiddleware's auth_token process_request, shared here:
//
//  1. strip the identity headers the client sent (isIdentityHeader);
//  2. verify X-Service-Token, when sent, and require one of
//     service_token_roles when service_token_roles_required;
//  3. verify X-Auth-Token (or X-Storage-Token), allowing an expired
//     token when a valid service token comes with it;
//  4. reject with 401 (or 503 when the verifier cannot tell), unless
//     delay_auth_decision, which passes the request on marked
//     X-Identity-Status: Invalid;
//  5. write the identity headers and put the Identity in the context.

// A tokenVerifier tells who a token stands for. It returns
// errInvalidToken (possibly wrapped) for a token that is not valid, and
// any other error when it cannot tell, such as Keystone being down.
// allowExpired asks it to accept a token past its expiry, which auth_token
// does for a user token accompanied by a valid service token. now is the
// request's time, read once per request: reading the clock is a system
// call on some virtual machines.
type tokenVerifier interface {
	verify(ctx context.Context, token string, allowExpired bool, now time.Time) (*tokenIdentity, error)
}

var errInvalidToken = errors.New("invalid token")

// tokenAuth is one token filter, configured.
type tokenAuth struct {
	name     string // the filter's name, for log lines
	verifier tokenVerifier
	now      func() time.Time

	delay                bool     // delay_auth_decision
	serviceRoles         []string // service_token_roles
	serviceRolesRequired bool     // service_token_roles_required
	bearer               bool     // also read Authorization: Bearer (jwt_token, static_token)
	wwwAuthenticate      []string // the WWW-Authenticate value of every 401
}

// setOptions sets the options every token filter has; defaultChallenge
// is the WWW-Authenticate value when o names no www_authenticate_uri.
func (a *tokenAuth) setOptions(o TokenOptions, defaultChallenge string) {
	a.delay = o.DelayAuthDecision
	a.serviceRoles = o.ServiceTokenRoles
	a.serviceRolesRequired = o.ServiceTokenRolesRequired
	challenge := defaultChallenge
	if uri := o.WWWAuthenticateURI; uri != "" {
		challenge = `Keystone uri="` + uri + `"`
	}
	a.wwwAuthenticate = []string{challenge}
	if a.now == nil {
		a.now = time.Now
	}
}

// middleware is the filter.
func (a *tokenAuth) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.serve(next, w, r)
	})
}

func (a *tokenAuth) serve(next http.Handler, w http.ResponseWriter, r *http.Request) {
	v, answered := a.judge(w, r)
	if answered {
		return
	}
	if (!v.userOK || v.serviceSent && !v.serviceOK) && !a.delay {
		reqlog.From(r.Context()).Info().Str("filter", a.name).Bool("user_token", v.userToken != "").
			Bool("service_token", v.serviceSent).Msg("rejecting request: authentication required")
		a.reject(w)
		return
	}
	a.forward(next, w, r, &v)
}

// verdict is what a token filter found out about a request's tokens.
type verdict struct {
	userToken         string
	user, service     *tokenIdentity
	userOK, serviceOK bool
	serviceSent       bool
}

// judge verifies the request's tokens: the service token first, because
// a valid one lets an expired user token pass. It answers the request
// itself (answered) only when a token cannot be judged.
func (a *tokenAuth) judge(w http.ResponseWriter, r *http.Request) (v verdict, answered bool) {
	ctx := r.Context()
	now := a.now()
	// The names are canonical, as net/http stores them: no need for
	// Header.Get's canonicalisation on every request.
	v.userToken = headerValue0(r.Header, "X-Auth-Token")
	if v.userToken == "" {
		v.userToken = headerValue0(r.Header, "X-Storage-Token")
	}
	if v.userToken == "" && a.bearer {
		v.userToken = bearerToken(headerValue0(r.Header, "Authorization"))
	}
	if serviceToken := headerValue0(r.Header, "X-Service-Token"); serviceToken != "" {
		v.serviceSent = true
		var err error
		v.service, err = a.check(ctx, "service", serviceToken, false, now)
		if err != nil && a.unavailable(w, r, err) {
			return v, true
		}
		v.serviceOK = err == nil && a.serviceRolesPass(ctx, v.service)
	}
	if v.userToken != "" {
		var err error
		v.user, err = a.check(ctx, "user", v.userToken, v.serviceOK, now)
		if err != nil && a.unavailable(w, r, err) {
			return v, true
		}
		v.userOK = err == nil
	}
	return v, false
}

// forward passes the request on with the identity headers of its valid
// tokens, X-Identity-Status (and X-Service-Identity-Status when a service
// token was sent), none of the identity headers the client sent, and the
// user's Identity in its context.
func (a *tokenAuth) forward(next http.Handler, w http.ResponseWriter, r *http.Request, v *verdict) {
	var h http.Header
	if v.userOK {
		// The token's own headers, X-Identity-Status included, cloned
		// from its template (a copy of the map's memory, far cheaper
		// than inserting them one by one), then the request's.
		h = maps.Clone(v.user.header)
		for k, vals := range r.Header {
			if !isIdentityHeader(k) {
				h[k] = vals[:len(vals):len(vals)]
			}
		}
	} else {
		h = identityFreeHeader(r.Header, 2)
		h["X-Identity-Status"] = statusValue(false)
	}
	if v.serviceSent {
		h["X-Service-Identity-Status"] = statusValue(v.serviceOK)
	}
	if v.serviceOK {
		for _, hv := range v.service.service {
			h[hv.name] = hv.value
		}
	}

	ar := &authRequest{Context: r.Context()}
	ar.w = challengeWriter{ResponseWriter: w, challenge: a.wwwAuthenticate}
	if v.userOK {
		ar.user, ar.userToken = v.user, v.userToken
		if v.serviceOK {
			ar.service = v.service
		}
	}
	r2 := r.WithContext(ar)
	r2.Header = h
	next.ServeHTTP(&ar.w, r2)
}

// check verifies one token and applies the expiry rule.
func (a *tokenAuth) check(ctx context.Context, kind, token string, allowExpired bool, now time.Time) (*tokenIdentity, error) {
	ti, err := a.verifier.verify(ctx, token, allowExpired, now)
	if err == nil && !allowExpired && ti.expired(now) {
		err = errInvalidToken
	}
	if err != nil && errors.Is(err, errInvalidToken) {
		reqlog.From(ctx).Info().Str("filter", a.name).Str(kind+"_token", tokenHash(token)).Err(err).Msg("token not valid")
	}
	return ti, err
}

// serviceRolesPass applies service_token_roles to a valid service token.
func (a *tokenAuth) serviceRolesPass(ctx context.Context, service *tokenIdentity) bool {
	if service.hasAnyRole(a.serviceRoles) {
		return true
	}
	if a.serviceRolesRequired {
		reqlog.From(ctx).Info().Str("filter", a.name).Strs("service_token_roles", a.serviceRoles).
			Msg("service token holds none of service_token_roles")
		return false
	}
	reqlog.From(ctx).Warn().Str("filter", a.name).Strs("service_token_roles", a.serviceRoles).
		Msg("service token holds none of service_token_roles; accepted because service_token_roles_required is false")
	return true
}

// reject answers 401 as keystonemiddleware does: its JSON error body and
// a WWW-Authenticate header naming where to get a token.
func (a *tokenAuth) reject(w http.ResponseWriter) {
	h := w.Header()
	h["Www-Authenticate"] = a.wwwAuthenticate
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = rejectLength
	w.WriteHeader(http.StatusUnauthorized)
	w.Write(rejectBody)
}

// rejectBody is keystonemiddleware's 401 body, as its JSON encoder
// writes it.
var (
	rejectBody   = []byte(`{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`)
	rejectLength = []string{strconv.Itoa(len(rejectBody))}
)

// unavailable handles a verification error that is not a verdict on
// the token (Keystone unreachable or failing): it logs the cause, never
// sent to the client, and answers 503 "The Keystone service is
// temporarily unavailable." (true). With delay_auth_decision it answers
// nothing (false): the token counts as invalid and the app decides, as
// in keystonemiddleware.
func (a *tokenAuth) unavailable(w http.ResponseWriter, r *http.Request, err error) bool {
	if errors.Is(err, errInvalidToken) {
		return false
	}
	reqlog.From(r.Context()).Error().Str("filter", a.name).Err(err).Msg("cannot validate tokens")
	if a.delay {
		return false
	}
	fault.Write(w, r, http.StatusServiceUnavailable, "The Keystone service is temporarily unavailable.")
	return true
}

// headerValue0 is Header.Get for a name already in canonical form.
func headerValue0(h http.Header, canonical string) string {
	if v := h[canonical]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header, or "".
func bearerToken(header string) string {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// tokenHash is how a token appears in logs: the first 16 hex digits of
// its SHA-256, enough to match log lines with each other, never the
// token itself.
func tokenHash(token string) string {
	sum := tokenSum(token)
	return hex.EncodeToString(sum[:8])
}
