package tokenauth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// keystoneVerifier validates tokens with Keystone's v3 API, as
// keystonemiddleware does: GET /v3/auth/tokens with the filter's own
// token in X-Auth-Token and the token to check in X-Subject-Token.
// Keystone answers 200 with the token's data, 404 for a token that is
// not valid (bad, expired, revoked), and 401 when it no longer accepts
// the filter's own token, which is then renewed and the call made once
// more. Anything else means Keystone cannot answer now.
type keystoneVerifier struct {
	session        *keystoneSession
	includeCatalog bool // include_service_catalog: ask for and pass on the catalog
	bindPermissive bool // enforce_token_bind = permissive
	keepDoc        bool // keep the token document in the identity, for memcached
}

func (k *keystoneVerifier) verify(ctx context.Context, token string, allowExpired bool, _ time.Time) (_ *tokenIdentity, err error) {
	if !isHeaderSafe(token) {
		// It could not be sent to Keystone, and no token looks so.
		return nil, fmt.Errorf("%w: not a token", errInvalidToken)
	}
	start := time.Now()
	defer func() { observeValidation(start, err) }()
	query := ""
	switch {
	case !k.includeCatalog && allowExpired:
		query = "?nocatalog&allow_expired=1"
	case !k.includeCatalog:
		query = "?nocatalog"
	case allowExpired:
		query = "?allow_expired=1"
	}
	for attempt := 0; ; attempt++ {
		st, err := k.session.token(ctx)
		if err != nil {
			return nil, err
		}
		resp, err := k.session.do(ctx, func() (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, st.endpoint+"/auth/tokens"+query, nil)
			if err == nil {
				req.Header["X-Auth-Token"] = []string{st.id}
				req.Header["X-Subject-Token"] = []string{token}
				req.Header["Accept"] = []string{"application/json"}
			}
			return req, err
		})
		if err != nil {
			return nil, fmt.Errorf("validating a token at %s: %w", st.endpoint, err)
		}
		switch resp.StatusCode {
		case http.StatusOK:
			defer resp.Body.Close()
			return k.parse(resp.Body)
		case http.StatusNotFound:
			drainClose(resp)
			return nil, fmt.Errorf("%w: Keystone does not know it", errInvalidToken)
		case http.StatusUnauthorized:
			drainClose(resp)
			k.session.invalidate(st)
			if attempt == 0 {
				continue
			}
			return nil, fmt.Errorf("Keystone at %s refused auth_token's own token twice (401)", st.endpoint)
		default:
			drainClose(resp)
			return nil, fmt.Errorf("Keystone at %s answered %s to a token validation", st.endpoint, resp.Status)
		}
	}
}

// v3Token is the part of Keystone's token document auth_token reads.
type v3Token struct {
	Token struct {
		ExpiresAt      string                     `json:"expires_at"`
		User           v3Scope                    `json:"user"`
		Project        *v3Scope                   `json:"project"`
		Domain         *v3Ref                     `json:"domain"`
		System         map[string]any             `json:"system"`
		Roles          []v3Ref                    `json:"roles"`
		IsAdminProject *bool                      `json:"is_admin_project"`
		Catalog        []v3Service                `json:"catalog"`
		Bind           map[string]json.RawMessage `json:"bind"`
	} `json:"token"`
}

type v3Ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type v3Scope struct {
	v3Ref
	Domain v3Ref `json:"domain"`
}

// parse reads a 200 answer into the token's identity.
func (k *keystoneVerifier) parse(body io.Reader) (*tokenIdentity, error) {
	raw, err := io.ReadAll(io.LimitReader(body, maxKeystoneBody))
	if err != nil {
		return nil, fmt.Errorf("reading Keystone's token validation: %w", err)
	}
	ti, err := k.parseDoc(raw)
	if err != nil {
		return nil, fmt.Errorf("reading Keystone's token validation: %w", err)
	}
	if k.keepDoc {
		ti.doc = raw
	}
	return ti, nil
}

// parseDoc reads a token document, {"token": {...}}, as Keystone's
// validation answers it and keystonemiddleware caches it, into the
// token's identity.
func (k *keystoneVerifier) parseDoc(raw []byte) (*tokenIdentity, error) {
	var doc v3Token
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	t := &doc.Token
	expires, err := parseKeystoneTime(t.ExpiresAt)
	if err != nil {
		return nil, err
	}
	if _, kerberos := t.Bind["kerberos"]; kerberos && k.bindPermissive {
		// keystonemiddleware checks a Kerberos bind against the
		// request's REMOTE_USER; Go servers have no such thing, so
		// the token cannot be shown to be used by its owner.
		return nil, fmt.Errorf("%w: bound to a Kerberos identity, which pasteserve cannot check (enforce_token_bind = disabled accepts it)", errInvalidToken)
	}
	f := &tokenFacts{
		UserID: t.User.ID, UserName: t.User.Name,
		UserDomainID: t.User.Domain.ID, UserDomainName: t.User.Domain.Name,
		IsAdminProject: t.IsAdminProject == nil || *t.IsAdminProject,
		Expires:        expires,
	}
	if p := t.Project; p != nil {
		f.ProjectID, f.ProjectName = p.ID, p.Name
		f.ProjectDomainID, f.ProjectDomainName = p.Domain.ID, p.Domain.Name
	}
	if d := t.Domain; d != nil {
		f.DomainID, f.DomainName = d.ID, d.Name
	}
	if all, _ := t.System["all"].(bool); all {
		f.SystemScope = "all"
	}
	for _, r := range t.Roles {
		f.Roles = append(f.Roles, r.Name)
	}
	if k.includeCatalog && len(t.Catalog) > 0 {
		f.Catalog = v2Catalog(t.Catalog)
	}
	return newTokenIdentity(f), nil
}

// isHeaderSafe reports whether s is printable ASCII, which every
// Keystone token is, and so can be sent in a header as it is.
func isHeaderSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return s != ""
}
