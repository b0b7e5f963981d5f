package filters

import (
	"context"
	"net/http"
	"strings"
	"sync"

	"github.com/pasteserve/pasteserve/request"
)

// identityFromHeaders reads the identity headers into a request.Identity
// as oslo.context's RequestContext.from_environ does, with its
// fallbacks to the deprecated names (X-User, X-Tenant-Id, X-Tenant,
// X-Role, X-Storage-Token).
func identityFromHeaders(r *http.Request) *request.Identity {
	id := new(request.Identity)
	readIdentity(id, r.Header, nil, false)
	id.RequestID, id.GlobalRequestID = request.ID(r.Context()), request.GlobalID(r.Context())
	return id
}

// readIdentity is identityFromHeaders into id, but for the request ids,
// its roles appended to roles[:0] (a caller's array, so that a few roles
// cost no allocation). With elevated (the noauth filters) it leaves the
// fields those filters decide alone: the user, the project, the roles,
// IsAdmin and IdentityStatus. The header names are in canonical form and
// read without Get's canonicalisation, which would cost every request
// two dozen times.
func readIdentity(id *request.Identity, h http.Header, roles []string, elevated bool) {
	if !elevated {
		id.UserID = first(h, "X-User-Id", "X-User")
		id.ProjectID = first(h, "X-Project-Id", "X-Tenant-Id")
		if id.ProjectID == "" {
			id.ProjectID = header(h, "X-Tenant")
		}
		id.Roles = splitRoles(roles, first(h, "X-Roles", "X-Role"))
		id.IsAdmin = id.HasRole("admin")
		id.IdentityStatus = header(h, "X-Identity-Status")
	}
	id.UserName = header(h, "X-User-Name")
	id.UserDomainID = header(h, "X-User-Domain-Id")
	id.UserDomainName = header(h, "X-User-Domain-Name")
	id.ProjectName = first(h, "X-Project-Name", "X-Tenant-Name")
	id.ProjectDomainID = header(h, "X-Project-Domain-Id")
	id.ProjectDomainName = header(h, "X-Project-Domain-Name")
	id.DomainID = header(h, "X-Domain-Id")
	id.DomainName = header(h, "X-Domain-Name")
	id.SystemScope = header(h, "Openstack-System-Scope")
	id.IsAdminProject = !strings.EqualFold(header(h, "X-Is-Admin-Project"), "false")
	id.AuthToken = first(h, "X-Auth-Token", "X-Storage-Token")
	id.ServiceUserID = header(h, "X-Service-User-Id")
	id.ServiceProjectID = header(h, "X-Service-Project-Id")
	id.ServiceRoles = splitRoles(nil, header(h, "X-Service-Roles"))
}

// first is the header a, or b when a is empty or absent.
func first(h http.Header, a, b string) string {
	if v := header(h, a); v != "" {
		return v
	}
	return header(h, b)
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
// one value: the request's copy, its context (the state itself, which
// answers request.IdentityFrom), the Identity and room for its roles.
// The noauth filters need room for the header values they write too,
// and allocate a noAuthState instead, so that keystonecontext's state,
// with the runtime's 8-byte header, fits the 768-byte size class rather
// than the 896-byte one: what a request pays for the state is mostly
// allocating and clearing it.
//
// The Identity is read from the headers when it is first asked for
// (request.IdentityFrom), not when the request passes the filter, so
// that a request nothing asks about costs the two dozen header look-ups
// it takes only then. The headers are the request's own map (the copy's
// Header, the same map), which nothing inside rewrites (auth_token,
// which writes them, is outside; the noauth filters rewrite them before
// they hand the request on, and decide the fields they rewrite when
// they do). The request ids are taken when it passes, so that a
// request_id inside does not change them.
type identityState struct {
	context.Context // the request's, which Value falls back to
	req             http.Request
	once            sync.Once
	// elevated: the noauth filters have set the user, project, roles,
	// IsAdmin and IdentityStatus (and noauth_token the AuthToken, which
	// the headers' token does not replace).
	elevated bool
	id       request.Identity
	roles    [6]string
}

// Value answers request.IdentityFrom with s's Identity.
func (s *identityState) Value(key any) any {
	if request.IsIdentityKey(key) {
		return s.identity()
	}
	return s.Context.Value(key)
}

// identity returns the Identity, read on the first call.
func (s *identityState) identity() *request.Identity {
	s.once.Do(func() {
		token := s.id.AuthToken // noauth_token's, or none
		readIdentity(&s.id, s.req.Header, s.roles[:0], s.elevated)
		if token != "" {
			s.id.AuthToken = token
		}
	})
	return &s.id
}

// newIdentityState returns a new state for r, whose identity is read
// from r's headers when it is asked for.
func newIdentityState(r *http.Request) *identityState {
	s := new(identityState)
	s.init(r)
	return s
}

// init readies s, a zero state, for r.
func (s *identityState) init(r *http.Request) {
	ctx := r.Context()
	s.id.RequestID, s.id.GlobalRequestID = request.ID(ctx), request.GlobalID(ctx)
}

// request returns the copy of r whose context carries s's Identity.
func (s *identityState) request(r *http.Request) *http.Request {
	s.Context = r.Context()
	s.req = *r.WithContext(s)
	return &s.req
}
