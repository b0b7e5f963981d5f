package filters

import (
	"net/http"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/fault"
	"github.com/pasteserve/pasteserve/request"
)

// keystonecontext is the filter every OpenStack service puts after
// keystonemiddleware's auth_token (neutron's NeutronKeystoneContext,
// nova's NovaKeystoneContext and their copies): it turns the identity
// headers auth_token wrote into a request.Identity (see
// request.IdentityFrom), and answers 401 when there is no user id, which means
// the request did not go through a successful token validation.
//
// It trusts the headers: it must sit behind auth_token, which strips any
// identity headers the client sent before it writes its own.
func init() {
	factory.Register(factory.Factory{
		Name: "keystonecontext",
		Aliases: []string{
			"neutron.auth:NeutronKeystoneContext.factory",
			"quantum.auth:QuantumKeystoneContext.factory",
			"nova.api.auth:NovaKeystoneContext.factory",
			"cinder.api.auth:CinderKeystoneContext.factory",
			"cinder.api.middleware.auth:CinderKeystoneContext.factory",
			"congress.auth:CongressKeystoneContext.factory",
			"karbor.api.middleware.auth:KarborKeystoneContext.factory",
			"manila.api.middleware.auth:ManilaKeystoneContext.factory",
			"masakari.api.auth:MasakariKeystoneContext.factory",
			"netforce.api.auth:NetforceKeystoneContext.factory",
			"tacker.auth:TackerKeystoneContext.factory",
			"venus.api.middleware.auth:VenusKeystoneContext.factory",
		},
		Kind:   factory.KindFilter,
		Doc:    "turns auth_token's X-User-Id, X-Project-Id, X-Roles... headers into the request's Identity; 401 without a user",
		Filter: KeystoneContext,
	})
}

// KeystoneContext is the keystonecontext factory; it has no options.
func KeystoneContext(cfg *factory.Config) (factory.Middleware, error) {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := identityFromHeaders(r)
			if id.UserID == "" {
				fault.Write(w, r, http.StatusUnauthorized, "This server could not verify that you are authorized to access the document you requested.")
				return
			}
			next.ServeHTTP(w, r.WithContext(request.WithIdentity(r.Context(), id)))
		})
	}, cfg.Err()
}
