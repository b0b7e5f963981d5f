package filters

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/pasteserve/pasteserve/options"
	"github.com/pasteserve/pasteserve/request"
)

// NoAuthOptions are the options of the noauth filter.
type NoAuthOptions struct {
	// UserID is the user of a request that names none.
	UserID string `paste:"user_id,doc=the user of a request that names none"`
	// ProjectID is the project of a request that names none.
	ProjectID string `paste:"project_id,doc=the project of a request that names none"`
	// Roles are added to the request's roles; it is made admin whatever
	// they are.
	Roles []string `paste:"roles,doc=roles added to every request's"`
}

// DefaultNoAuthOptions are neutron's: fake_user_id, fake_project_id,
// and the admin role.
func DefaultNoAuthOptions() NoAuthOptions {
	return NoAuthOptions{UserID: "fake_user_id", ProjectID: "fake_project_id", Roles: []string{"admin"}}
}

// Validate refuses an empty user or project.
func (o NoAuthOptions) Validate() error {
	var errs []error
	if o.UserID == "" {
		errs = append(errs, options.Errorf("user_id", "is empty"))
	}
	if o.ProjectID == "" {
		errs = append(errs, options.Errorf("project_id", "is empty"))
	}
	return errors.Join(errs...)
}

// NewNoAuth returns the noauth filter.
//
// The noauth filters stand in for auth_token and keystonecontext when a
// service runs without Keystone (auth_strategy = noauth), for
// development and tests. Every request acts as an admin. Never put them
// in a pipeline that the public can reach.
//
// noauth is neutron's NoauthFakeProjectId: the identity is read from the
// headers as keystonecontext reads them, the project defaults to
// fake_project_id and the user to fake_user_id, and the identity is
// made admin (neutron's ctx.elevated()). The identity headers are
// rewritten to match, in the request's own header map as oslo rewrites
// the environ, so apps that read headers see the same identity.
func NewNoAuth(o NoAuthOptions) (func(http.Handler) http.Handler, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return func(next http.Handler) http.Handler {
		return &noAuth{userID: o.UserID, projectID: o.ProjectID, roles: o.Roles, next: next}
	}, nil
}

// noAuth is the noauth handler.
type noAuth struct {
	userID, projectID string
	roles             []string
	next              http.Handler
}

func (f *noAuth) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := r.Header
	user := first(h, "X-User-Id", "X-User")
	if user == "" {
		user = f.userID
	}
	project := first(h, "X-Project-Id", "X-Tenant-Id")
	if project == "" {
		project = header(h, "X-Tenant")
	}
	if project == "" {
		project = f.projectID
	}
	roles := first(h, "X-Roles", "X-Role")
	if k := claimKept[keptNoAuthState](r, f); k != nil {
		defer k.done()
		k.init(r)
		k.elevate(user, project, splitRoles(k.roles[:0], roles), f.roles)
		f.next.ServeHTTP(w, k.withHeaders(&k.values, r, k))
		return
	}
	s := new(noAuthState)
	s.init(r)
	s.elevate(user, project, splitRoles(s.roles[:0], roles), f.roles)
	f.next.ServeHTTP(w, s.withHeaders(&s.values, r, s))
}

// noAuthState is the noauth filters' identityState, with room for the
// header values they write, one a slice.
type noAuthState struct {
	identityState
	values [4]string
}

// keptNoAuthState is the noAuthState the noauth filters keep in the
// connection's slots (see keptIdentityState). The header values are
// reused by the connection's next request, by when the request whose
// header map holds them is done.
type keptNoAuthState struct {
	keptIdentityState
	values [4]string
}

// elevate makes s's Identity user's in project, holding roles and more,
// an admin, as oslo.context's elevated(). more are added to roles in
// s's own array when roles has none.
func (s *identityState) elevate(user, project string, roles, more []string) {
	id := &s.id
	id.UserID, id.ProjectID, id.Roles = user, project, roles
	for _, role := range more {
		if !id.HasRole(role) {
			if id.Roles == nil {
				id.Roles = s.roles[:0]
			}
			id.Roles = append(id.Roles, role)
		}
	}
	id.IsAdmin = true
	id.IdentityStatus = "Confirmed"
	s.elevated = true
}

// withHeaders returns the copy of r carrying s's Identity in its context,
// with the identity headers rewritten to match it.
//
// They are rewritten in r's own header map, as oslo's middleware
// rewrites the WSGI environ every layer shares, rather than in a copy
// (Header.Clone, a map and an array per request): a handler outside
// that looks at the request's headers after this one has run (a
// catch_errors log line) sees the identity the request acted as, as in
// oslo. Each value is a one-element slice of values, the state's own
// array (the slice Header.Set would allocate); an append to one copies
// it. self is the context of the copy (see identityState.request).
func (s *identityState) withHeaders(values *[4]string, r *http.Request, self context.Context) *http.Request {
	id := &s.id
	h := r.Header
	*values = [4]string{id.UserID, id.ProjectID, strings.Join(id.Roles, ","), id.IdentityStatus}
	h["X-User-Id"] = values[0:1:1]
	h["X-Project-Id"] = values[1:2:2]
	h["X-Roles"] = values[2:3:3]
	h["X-Identity-Status"] = values[3:4:4]
	return s.request(r, self)
}

// NoAuthTokenOptions are the options of the noauth_token filters.
type NoAuthTokenOptions struct {
	// ProjectInPath puts the project in X-Server-Management-Url, as
	// noauth_token_project_in_path does. It is the factory's choice, not
	// a paste option.
	ProjectInPath bool `paste:"-"`
}

// NewNoAuthToken returns the noauth_token filter, or with
// o.ProjectInPath noauth_token_project_in_path.
//
// noauth_token is the NoAuthMiddleware of nova, cinder and manila: a
// request without X-Auth-Token is answered at once with 204 and a fake
// token "user:project" (from X-Auth-User and X-Auth-Project-Id, both
// default admin) in X-Auth-Token, and the service URL in
// X-Server-Management-Url; a request with a token acts as the user and
// project the token names ("user" alone means the project of the same
// name). noauth_token_project_in_path differs only in putting the
// project in the service URL, as nova's 2012 NoAuthMiddleware and
// cinder's NoAuthMiddlewareIncludeProjectID do.
func NewNoAuthToken(o NoAuthTokenOptions) (func(http.Handler) http.Handler, error) {
	return func(next http.Handler) http.Handler {
		return &noAuthToken{projectInPath: o.ProjectInPath, next: next}
	}, nil
}

// noAuthToken is the noauth_token handler.
type noAuthToken struct {
	projectInPath bool
	next          http.Handler
}

func (f *noAuthToken) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token := r.Header.Get("X-Auth-Token")
	if token == "" {
		user := headerOr(r, "X-Auth-User", "admin")
		project := headerOr(r, "X-Auth-Project-Id", "admin")
		url := strings.TrimRight(request.ApplicationURL(r)+r.URL.Path, "/")
		if f.projectInPath {
			url += "/" + project
		}
		h := w.Header()
		h.Set("X-Auth-Token", user+":"+project)
		h.Set("X-Server-Management-Url", url)
		h.Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	user, project, _ := strings.Cut(token, ":")
	if project == "" {
		project = user
	}
	roles := first(r.Header, "X-Roles", "X-Role")
	if k := claimKept[keptNoAuthState](r, f); k != nil {
		defer k.done()
		k.init(r)
		k.elevate(user, project, splitRoles(k.roles[:0], roles), adminRole)
		k.id.AuthToken = token // kept when the Identity is read
		f.next.ServeHTTP(w, k.withHeaders(&k.values, r, k))
		return
	}
	s := new(noAuthState)
	s.init(r)
	s.elevate(user, project, splitRoles(s.roles[:0], roles), adminRole)
	s.id.AuthToken = token // kept when the Identity is read
	f.next.ServeHTTP(w, s.withHeaders(&s.values, r, s))
}

// adminRole is what noauth_token makes every request.
var adminRole = []string{"admin"}

func headerOr(r *http.Request, name, def string) string {
	if v := r.Header.Get(name); v != "" {
		return v
	}
	return def
}
