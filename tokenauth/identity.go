package tokenauth

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pasteserve/pasteserve/request"
)

// isIdentityHeader reports whether a (canonical) request header is one
// that auth_token writes, and so one a client must not be able to send:
// keystonemiddleware's remove_auth_headers list (X-Identity-Status,
// X-Service-Identity-Status, X-Roles, X-User-*, X-Project-*, X-Domain-*,
// X-Service-*, X-Service-Catalog, X-Is-Admin-Project,
// OpenStack-System-Scope and the deprecated X-Role, X-User, X-Tenant*).
// Families are matched by prefix, so a name keystonemiddleware adds
// later in a family is stripped too. X-Service-Token is a credential,
// not an identity, and is kept for the app.
func isIdentityHeader(k string) bool {
	if len(k) < 6 || k[0] != 'X' || k[1] != '-' {
		return k == "Openstack-System-Scope"
	}
	switch k {
	case "X-Identity-Status", "X-Roles", "X-Role", "X-User", "X-Is-Admin-Project":
		return true
	case "X-Service-Token":
		return false
	}
	return strings.HasPrefix(k, "X-User-") || strings.HasPrefix(k, "X-Project-") ||
		strings.HasPrefix(k, "X-Domain-") || strings.HasPrefix(k, "X-Tenant") ||
		strings.HasPrefix(k, "X-Service-")
}

// tokenFacts is what a verifier learned about a token, in Keystone's
// terms, before it is turned into headers.
type tokenFacts struct {
	UserID, UserName, UserDomainID, UserDomainName             string
	ProjectID, ProjectName, ProjectDomainID, ProjectDomainName string
	DomainID, DomainName                                       string // a domain-scoped token's domain
	SystemScope                                                string // "all" for a system-scoped token
	Roles                                                      []string
	IsAdminProject                                             bool
	Expires                                                    time.Time // zero: does not expire
	Catalog                                                    string    // X-Service-Catalog (JSON, v2 form); "" for none
}

// headerValue is one header a validated token adds to the request. Its
// value slice is made once per token and shared by every request that
// carries the token; its capacity is 1, so an Add downstream copies it
// rather than writing into it.
type headerValue struct {
	name  string
	value []string
}

// tokenIdentity is a validated token, ready to be applied to requests:
// the headers it adds when it is the user token and when it is the
// service token, and the Identity put in the request context. It is
// built once, when the token is validated, and cached; requests only
// copy from it. The header value slices are shared by every request
// with the token: handlers replace values (Header.Set, Add), as Go code
// does, and must never write into a value slice in place.
type tokenIdentity struct {
	expires time.Time
	roles   []string
	service []headerValue    // the headers it adds as a service token
	header  http.Header      // user and X-Identity-Status: Confirmed, the template of each request's headers
	id      request.Identity // AuthToken and the request ids are filled per request
	doc     []byte           // Keystone's token document, kept only to store it in memcached
}

// headerTemplateSize is the size hint of the header template of a token
// with n headers: room for them and for a request's own, so that the map
// cloned from it per request need not grow, and no more, because a clone
// copies every slot. Go's maps fill tables of a power of two slots to
// 7/8: a 32-slot table holds 28 entries, a project token's 17 headers
// and a typical API request's ten or so.
func headerTemplateSize(n int) int {
	size := 28
	for n+8 > size {
		size *= 2
	}
	return size
}

// newTokenIdentity turns facts into the headers keystonemiddleware's
// set_user_headers and set_service_headers write: X-Roles always (empty
// when the token holds no role), the others only when known; for the
// user token also X-Is-Admin-Project (True/False),
// OpenStack-System-Scope, X-Service-Catalog and the deprecated X-Role,
// X-User, X-Tenant-Id, X-Tenant-Name and X-Tenant.
func newTokenIdentity(f *tokenFacts) *tokenIdentity {
	roles := slices.Clip(slices.Clone(f.Roles))
	ti := &tokenIdentity{expires: f.Expires, roles: roles}
	var user []headerValue
	pairs := []struct{ suffix, value string }{
		{"Roles", strings.Join(roles, ",")},
		{"Domain-Id", f.DomainID}, {"Domain-Name", f.DomainName},
		{"Project-Id", f.ProjectID}, {"Project-Name", f.ProjectName},
		{"Project-Domain-Id", f.ProjectDomainID}, {"Project-Domain-Name", f.ProjectDomainName},
		{"User-Id", f.UserID}, {"User-Name", f.UserName},
		{"User-Domain-Id", f.UserDomainID}, {"User-Domain-Name", f.UserDomainName},
	}
	add := func(hs *[]headerValue, name, value string) {
		if value != "" || name == "X-Roles" || name == "X-Service-Roles" || name == "X-Role" {
			*hs = append(*hs, headerValue{name, []string{value}})
		}
	}
	for _, p := range pairs {
		add(&user, "X-"+p.suffix, p.value)
		add(&ti.service, "X-Service-"+p.suffix, p.value)
	}
	admin := "False"
	if f.IsAdminProject {
		admin = "True"
	}
	add(&user, "X-Is-Admin-Project", admin)
	add(&user, "Openstack-System-Scope", f.SystemScope)
	add(&user, "X-Service-Catalog", f.Catalog)
	add(&user, "X-Role", strings.Join(roles, ","))
	add(&user, "X-User", f.UserName)
	add(&user, "X-Tenant-Id", f.ProjectID)
	add(&user, "X-Tenant-Name", f.ProjectName)
	add(&user, "X-Tenant", f.ProjectName)

	ti.header = make(http.Header, headerTemplateSize(len(user)+1))
	for _, hv := range user {
		ti.header[hv.name] = hv.value
	}
	ti.header["X-Identity-Status"] = statusValue(true)

	ti.id = request.Identity{
		UserID: f.UserID, UserName: f.UserName, UserDomainID: f.UserDomainID, UserDomainName: f.UserDomainName,
		ProjectID: f.ProjectID, ProjectName: f.ProjectName, ProjectDomainID: f.ProjectDomainID, ProjectDomainName: f.ProjectDomainName,
		DomainID: f.DomainID, DomainName: f.DomainName, SystemScope: f.SystemScope,
		Roles: roles, IsAdminProject: f.IsAdminProject, IdentityStatus: identityConfirmed,
	}
	ti.id.IsAdmin = ti.id.HasRole("admin")
	return ti
}

// expired reports whether the token is past its expiry at now.
func (ti *tokenIdentity) expired(now time.Time) bool {
	return !ti.expires.IsZero() && !now.Before(ti.expires)
}

// hasAnyRole reports whether the token holds one of roles
// (case-insensitively, as Keystone compares role names).
func (ti *tokenIdentity) hasAnyRole(roles []string) bool {
	for _, want := range roles {
		for _, r := range ti.roles {
			if strings.EqualFold(r, want) {
				return true
			}
		}
	}
	return false
}

const (
	identityConfirmed = "Confirmed"
	identityInvalid   = "Invalid"
)

// The two status values, shared by every request (capacity 1, see
// headerValue).
var (
	confirmedValue = []string{identityConfirmed}
	invalidValue   = []string{identityInvalid}
)

func statusValue(ok bool) []string {
	if ok {
		return confirmedValue[:1:1]
	}
	return invalidValue[:1:1]
}

// identityFreeHeader returns a copy of h without the identity headers,
// with room for extra more. The value slices are shared with h (they are
// not changed) and clipped, so appending to one downstream copies it.
func identityFreeHeader(h http.Header, extra int) http.Header {
	out := make(http.Header, len(h)+extra)
	for k, v := range h {
		if !isIdentityHeader(k) {
			out[k] = v[:len(v):len(v)]
		}
	}
	return out
}
