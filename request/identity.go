package request

import (
	"context"
	"strings"
)

// Identity is who a request acts as: what keystonemiddleware's
// auth_token validated and wrote into X-User-Id, X-Project-Id, X-Roles
// and the other identity headers, read back the way oslo.context's
// RequestContext.from_environ reads them. The token filters, and the
// keystonecontext and noauth filters, put one in the request context;
// handlers get it with IdentityFrom.
type Identity struct {
	UserID, UserName             string
	UserDomainID, UserDomainName string

	ProjectID, ProjectName             string
	ProjectDomainID, ProjectDomainName string

	DomainID, DomainName string // a domain-scoped token's domain
	SystemScope          string // OpenStack-System-Scope, e.g. "all"

	Roles          []string
	IsAdmin        bool // holds the admin role, or was made admin by noauth
	IsAdminProject bool // X-Is-Admin-Project; true when absent, as oslo.context
	IdentityStatus string

	// AuthToken is the caller's token, for calls to other services on
	// the caller's behalf. Never log it.
	AuthToken string

	ServiceUserID, ServiceProjectID string
	ServiceRoles                    []string

	RequestID, GlobalRequestID string
}

type identityKey struct{}

// IdentityFrom returns the identity a filter stored in ctx.
func IdentityFrom(ctx context.Context) (*Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(*Identity)
	return id, ok
}

// WithIdentity returns a copy of ctx that carries id.
func WithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// IsIdentityKey reports whether key is the one IdentityFrom asks ctx.Value
// for. It is for a context type of one's own that makes the Identity
// only when asked, answering Value(key) itself when IsIdentityKey(key)
// with a *Identity, and passing every other key on: the token filters do
// that, because most pipelines read the identity headers rather than the
// Identity, and a request then pays for no Identity at all. WithIdentity
// is the way for everyone else.
func IsIdentityKey(key any) bool {
	_, ok := key.(identityKey)
	return ok
}

// HasRole reports whether the identity holds role (case-insensitively,
// as keystone role names are compared).
func (id *Identity) HasRole(role string) bool {
	for _, r := range id.Roles {
		if strings.EqualFold(r, role) {
			return true
		}
	}
	return false
}
