package filters

import (
	"net/http"
	"strings"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/request"
)

// NoAuth is the noauth factory. Options: user_id (default fake_user_id),
// project_id (default fake_project_id), roles (default admin).
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
func NoAuth(cfg *factory.Config) (factory.Middleware, error) {
	userID := cfg.String("user_id", "fake_user_id")
	projectID := cfg.String("project_id", "fake_project_id")
	roles := cfg.List("roles")
	if _, ok := cfg.Get("roles"); !ok {
		roles = []string{"admin"}
	}
	if userID == "" {
		cfg.Errorf("user_id", "is empty")
	}
	if projectID == "" {
		cfg.Errorf("project_id", "is empty")
	}
	if err := cfg.Err(); err != nil {
		return nil, err
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := identityFromHeaders(r)
			if id.UserID == "" {
				id.UserID = userID
			}
			if id.ProjectID == "" {
				id.ProjectID = projectID
			}
			elevate(id, roles)
			next.ServeHTTP(w, withIdentityHeaders(r, id))
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

// withIdentityHeaders returns a copy of r carrying id in its context and
// in the identity headers.
func withIdentityHeaders(r *http.Request, id *request.Identity) *http.Request {
	r2 := r.WithContext(request.WithIdentity(r.Context(), id))
	r2.Header = r.Header.Clone()
	r2.Header.Set("X-User-Id", id.UserID)
	r2.Header.Set("X-Project-Id", id.ProjectID)
	r2.Header.Set("X-Roles", strings.Join(id.Roles, ","))
	r2.Header.Set("X-Identity-Status", id.IdentityStatus)
	return r2
}

// NoAuthToken is the noauth_token factory.
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
func NoAuthToken(cfg *factory.Config) (factory.Middleware, error) { return newNoAuthToken(cfg, false) }

// NoAuthTokenProjectInPath is the noauth_token_project_in_path factory:
// NoAuthToken with the project in X-Server-Management-Url.
func NoAuthTokenProjectInPath(cfg *factory.Config) (factory.Middleware, error) {
	return newNoAuthToken(cfg, true)
}

func newNoAuthToken(cfg *factory.Config, projectInPath bool) (factory.Middleware, error) {
	if err := cfg.Err(); err != nil {
		return nil, err
	}
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
			id := identityFromHeaders(r)
			id.UserID, id.ProjectID, id.AuthToken = user, project, token
			elevate(id, []string{"admin"})
			next.ServeHTTP(w, withIdentityHeaders(r, id))
		})
	}, nil
}

func headerOr(r *http.Request, name, def string) string {
	if v := r.Header.Get(name); v != "" {
		return v
	}
	return def
}
