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

// identityState is what the identity filters need per request, in one
// value: the request's copy, its context (the state itself, which
// answers request.IdentityFrom), the Identity and room for its roles.
// The noauth filters need room for the header values they write too,
// and use a noAuthState instead, so that keystonecontext's state, with
// the runtime's 8-byte header, fits the 768-byte size class rather
// than the 896-byte one: what a request pays for the state is mostly
// allocating and clearing it.
//
// Over HTTP/1 in pasteserve's server the filter keeps its state in the
// connection's request.ConnSlots (keptIdentityState), made once and
// reused by each of the connection's requests, so that a request costs
// the filter no allocation; elsewhere (HTTP/2, a Go program's own
// server) each request allocates an identityState.
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
	s.once.Do(func() { s.read(&s.id, s.roles[:0]) })
	return &s.id
}

// read reads the Identity into id (s.id, or a copy of it) from the
// headers, its roles appended to roles (see readIdentity).
func (s *identityState) read(id *request.Identity, roles []string) {
	token := id.AuthToken // noauth_token's, or none
	readIdentity(id, s.req.Header, roles, s.elevated)
	if token != "" {
		id.AuthToken = token
	}
}

// init readies s for r: a new state, or a kept one claimed for r.
func (s *identityState) init(r *http.Request) {
	ctx := r.Context()
	s.id.RequestID, s.id.GlobalRequestID = request.ID(ctx), request.GlobalID(ctx)
}

// request returns the copy of r whose context is self: s, or the kept
// state s is in, which carries s's Identity.
func (s *identityState) request(r *http.Request, self context.Context) *http.Request {
	s.Context = r.Context()
	s.req = *r.WithContext(self)
	return &s.req
}

// keptIdentityState is the identityState a filter keeps in the
// connection's request.ConnSlots (see identityState). It answers
// IdentityFrom only while a request has claimed it, so that a context
// kept past the request does not answer with a later request's, and the
// Identity it answers with is a value of its own, made when first asked
// for, so that an Identity taken during a request stays that request's.
type keptIdentityState struct {
	identityState
	keptState
	made *request.Identity
}

// Value answers request.IdentityFrom with s's Identity while s is
// claimed.
func (s *keptIdentityState) Value(key any) any {
	if request.IsIdentityKey(key) && s.claimed() {
		return s.identity()
	}
	return s.Context.Value(key)
}

// madeIdentity is the Identity a kept state makes, with room for its
// roles.
type madeIdentity struct {
	id    request.Identity
	roles [6]string
}

// identity returns the Identity, made and read on the first call.
func (s *keptIdentityState) identity() *request.Identity {
	s.once.Do(func() {
		m := new(madeIdentity)
		m.id = s.id
		if s.id.Roles != nil { // the noauth filters', in s.roles
			m.id.Roles = append(m.roles[:0], s.id.Roles...)
		}
		s.read(&m.id, m.roles[:0])
		s.made = &m.id
	})
	return s.made
}

// init readies s, claimed, for r.
func (s *keptIdentityState) init(r *http.Request) {
	s.once = sync.Once{}
	s.elevated = false
	s.id = request.Identity{}
	s.made = nil
	s.identityState.init(r)
}

// done lets go of the request (its copy) and gives s back to its
// connection, once the request has gone through the filter.
func (s *keptIdentityState) done() {
	s.req = http.Request{}
	s.release()
}
