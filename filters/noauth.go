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
// rewritten to match, so apps that read headers see the same identity.
func NewNoAuth(o NoAuthOptions) (func(http.Handler) http.Handler, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	userID, projectID, roles := o.UserID, o.ProjectID, o.Roles
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s := newIdentityState(r)
			id := &s.id
			if id.UserID == "" {
				id.UserID = userID
			}
			if id.ProjectID == "" {
				id.ProjectID = projectID
			}
			elevate(id, roles)
			next.ServeHTTP(w, s.withHeaders(r))
		})
	}, nil
}

// elevate makes id an admin holding roles, as oslo.context's elevated().
func elevate(id *request.Identity, roles []string) {
	for _, role := range roles {
		if !id.HasRole(role) {
			id.Roles = append(id.Roles, role)
		}
	}
	id.IsAdmin = true
	id.IdentityStatus = "Confirmed"
}

// withHeaders returns the copy of r carrying s's Identity in its context
// and in the identity headers (of a copy of r's, which stay the
// caller's).
func (s *identityState) withHeaders(r *http.Request) *http.Request {
	r2 := s.request(r)
	id := &s.id
	r2.Header = r.Header.Clone()
	r2.Header.Set("X-User-Id", id.UserID)
	r2.Header.Set("X-Project-Id", id.ProjectID)
	r2.Header.Set("X-Roles", strings.Join(id.Roles, ","))
	r2.Header.Set("X-Identity-Status", id.IdentityStatus)
	return r2
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
			s := newIdentityState(r)
			id := &s.id
			id.UserID, id.ProjectID, id.AuthToken = user, project, token
			elevate(id, adminRole)
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
