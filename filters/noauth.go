package filters

import (
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
	userID, projectID, roles := o.UserID, o.ProjectID, o.Roles
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := r.Header
			user := first(h, "X-User-Id", "X-User")
			if user == "" {
				user = userID
			}
			project := first(h, "X-Project-Id", "X-Tenant-Id")
			if project == "" {
				project = header(h, "X-Tenant")
			}
			if project == "" {
				project = projectID
			}
			s := newNoAuthState(r)
			s.elevate(user, project, splitRoles(s.roles[:0], first(h, "X-Roles", "X-Role")), roles)
			next.ServeHTTP(w, s.withHeaders(r))
		})
	}, nil
}

// noAuthState is the noauth filters' identityState, with room for the
// header values they write, one a slice.
type noAuthState struct {
	identityState
	values [4]string
}

// newNoAuthState returns a new state for r.
func newNoAuthState(r *http.Request) *noAuthState {
	s := new(noAuthState)
	s.init(r)
	return s
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
// oslo. Each value is a one-element slice of s's own array (the slice
// Header.Set would allocate); an append to one copies it.
func (s *noAuthState) withHeaders(r *http.Request) *http.Request {
	id := &s.id
	h := r.Header
	s.values = [4]string{id.UserID, id.ProjectID, strings.Join(id.Roles, ","), id.IdentityStatus}
	h["X-User-Id"] = s.values[0:1:1]
	h["X-Project-Id"] = s.values[1:2:2]
	h["X-Roles"] = s.values[2:3:3]
	h["X-Identity-Status"] = s.values[3:4:4]
	return s.request(r)
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
	projectInPath := o.ProjectInPath
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token := r.Header.Get("X-Auth-Token")
			if token == "" {
				user := headerOr(r, "X-Auth-User", "admin")
				project := headerOr(r, "X-Auth-Project-Id", "admin")
				url := strings.TrimRight(request.ApplicationURL(r)+r.URL.Path, "/")
				if projectInPath {
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
			s := newNoAuthState(r)
			s.elevate(user, project, splitRoles(s.roles[:0], first(r.Header, "X-Roles", "X-Role")), adminRole)
			s.id.AuthToken = token // kept when the Identity is read
			next.ServeHTTP(w, s.withHeaders(r))
		})
	}, nil
}

// adminRole is what noauth_token makes every request.
var adminRole = []string{"admin"}

func headerOr(r *http.Request, name, def string) string {
	if v := r.Header.Get(name); v != "" {
		return v
	}
	return def
}
