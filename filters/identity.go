package filters

import (
	"context"
	"net/http"
	"strings"
)

// Identity is who a request acts as: what keystonemiddleware's
// auth_token validated and wrote into X-User-Id, X-Project-Id, X-Roles
// and the other identity headers, read back the way oslo.context's
// RequestContext.from_environ reads them. The keystonecontext and noauth
// filters put one in the request context; handlers get it with
// IdentityFrom.
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

// IdentityFrom returns the identity keystonecontext or noauth stored in
// ctx.
func IdentityFrom(ctx context.Context) (*Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(*Identity)
	return id, ok
}

// WithIdentity returns a copy of ctx that carries id.
func WithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// identityFromHeaders reads the identity headers, with oslo.context's
// fallbacks to the deprecated names (X-User, X-Tenant-Id, X-Tenant,
// X-Role, X-Storage-Token).
func identityFromHeaders(r *http.Request) *Identity {
	h := r.Header
	first := func(names ...string) string {
		for _, n := range names {
			if v := h.Get(n); v != "" {
				return v
			}
		}
		return ""
	}
	id := &Identity{
		UserID:            first("X-User-Id", "X-User"),
		UserName:          first("X-User-Name"),
		UserDomainID:      first("X-User-Domain-Id"),
		UserDomainName:    first("X-User-Domain-Name"),
		ProjectID:         first("X-Project-Id", "X-Tenant-Id", "X-Tenant"),
		ProjectName:       first("X-Project-Name", "X-Tenant-Name"),
		ProjectDomainID:   first("X-Project-Domain-Id"),
		ProjectDomainName: first("X-Project-Domain-Name"),
		DomainID:          first("X-Domain-Id"),
		DomainName:        first("X-Domain-Name"),
		SystemScope:       first("Openstack-System-Scope"),
		Roles:             splitRoles(first("X-Roles", "X-Role")),
		IsAdminProject:    !strings.EqualFold(first("X-Is-Admin-Project"), "false"),
		IdentityStatus:    first("X-Identity-Status"),
		AuthToken:         first("X-Auth-Token", "X-Storage-Token"),
		ServiceUserID:     first("X-Service-User-Id"),
		ServiceProjectID:  first("X-Service-Project-Id"),
		ServiceRoles:      splitRoles(first("X-Service-Roles")),
		RequestID:         RequestID(r.Context()),
		GlobalRequestID:   GlobalRequestID(r.Context()),
	}
	id.IsAdmin = id.HasRole("admin")
	return id
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

// splitRoles splits a comma list, trimming spaces and dropping empties.
func splitRoles(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, r := range strings.Split(s, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}
