package filters

import (
	"context"
	"net/http"
	"strings"

	"github.com/pasteserve/pasteserve/request"
)

// identityFromHeaders reads the identity headers into a request.Identity
// as oslo.context's RequestContext.from_environ does, with its
// fallbacks to the deprecated names (X-User, X-Tenant-Id, X-Tenant,
// X-Role, X-Storage-Token).
func identityFromHeaders(r *http.Request) *request.Identity {
	id := new(request.Identity)
	readIdentity(id, r, nil)
	return id
}

// readIdentity is identityFromHeaders into id, its roles appended to
// roles[:0] (a caller's array, so that a few roles cost no allocation).
// The header names are in canonical form and read without Get's
// canonicalisation, which would cost every request two dozen times.
func readIdentity(id *request.Identity, r *http.Request, roles []string) {
	h := r.Header
	first := func(a, b string) string {
		if v := header(h, a); v != "" || b == "" {
			return v
		}
		return header(h, b)
	}
	*id = request.Identity{
		UserID:            first("X-User-Id", "X-User"),
		UserName:          header(h, "X-User-Name"),
		UserDomainID:      header(h, "X-User-Domain-Id"),
		UserDomainName:    header(h, "X-User-Domain-Name"),
		ProjectID:         first("X-Project-Id", "X-Tenant-Id"),
		ProjectName:       first("X-Project-Name", "X-Tenant-Name"),
		ProjectDomainID:   header(h, "X-Project-Domain-Id"),
		ProjectDomainName: header(h, "X-Project-Domain-Name"),
		DomainID:          header(h, "X-Domain-Id"),
		DomainName:        header(h, "X-Domain-Name"),
		SystemScope:       header(h, "Openstack-System-Scope"),
		Roles:             splitRoles(roles, first("X-Roles", "X-Role")),
		IsAdminProject:    !strings.EqualFold(header(h, "X-Is-Admin-Project"), "false"),
		IdentityStatus:    header(h, "X-Identity-Status"),
		AuthToken:         first("X-Auth-Token", "X-Storage-Token"),
		ServiceUserID:     header(h, "X-Service-User-Id"),
		ServiceProjectID:  header(h, "X-Service-Project-Id"),
		ServiceRoles:      splitRoles(nil, header(h, "X-Service-Roles")),
		RequestID:         request.ID(r.Context()),
		GlobalRequestID:   request.GlobalID(r.Context()),
	}
	if id.ProjectID == "" {
		id.ProjectID = header(h, "X-Tenant")
	}
	id.IsAdmin = id.HasRole("admin")
}

// splitRoles appends the roles of a comma list to dst[:0], trimming
// spaces and dropping empties; nil when there are none.
func splitRoles(dst []string, s string) []string {
	if s == "" {
		return nil
	}
	out := dst[:0]
	for s != "" {
		var r string
		r, s, _ = strings.Cut(s, ",")
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// identityState is what the identity filters allocate per request, in
// one value: the request's copy, its context, which answers
// request.IdentityFrom, the Identity, and room for its roles.
type identityState struct {
	ctx   identityContext
	req   http.Request
	id    request.Identity
	roles [6]string
}

// identityContext answers request.IdentityFrom with id.
type identityContext struct {
	context.Context
	id *request.Identity
}

func (c *identityContext) Value(key any) any {
	if request.IsIdentityKey(key) {
		return c.id
	}
	return c.Context.Value(key)
}

// newIdentityState reads r's identity headers into a new state.
func newIdentityState(r *http.Request) *identityState {
	s := new(identityState)
	readIdentity(&s.id, r, s.roles[:0])
	return s
}

// request returns the copy of r whose context carries s's Identity.
func (s *identityState) request(r *http.Request) *http.Request {
	s.ctx.Context, s.ctx.id = r.Context(), &s.id
	s.req = *r.WithContext(&s.ctx)
	return &s.req
}
