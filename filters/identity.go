package filters

import (
	"net/http"
	"strings"

	"github.com/pasteserve/pasteserve/request"
)

// identityFromHeaders reads the identity headers into a request.Identity
// as oslo.context's RequestContext.from_environ does, with its
// fallbacks to the deprecated names (X-User, X-Tenant-Id, X-Tenant,
// X-Role, X-Storage-Token).
func identityFromHeaders(r *http.Request) *request.Identity {
	h := r.Header
	first := func(names ...string) string {
		for _, n := range names {
			if v := h.Get(n); v != "" {
				return v
			}
		}
		return ""
	}
	id := &request.Identity{
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
		RequestID:         request.ID(r.Context()),
		GlobalRequestID:   request.GlobalID(r.Context()),
	}
	id.IsAdmin = id.HasRole("admin")
	return id
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
