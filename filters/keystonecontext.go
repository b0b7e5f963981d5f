package filters

import (
	"net/http"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/fault"
	"github.com/pasteserve/pasteserve/request"
)

// KeystoneContext is the keystonecontext factory; it has no options.
//
// keystonecontext is the filter every OpenStack service puts after
// keystonemiddleware's auth_token (neutron's NeutronKeystoneContext,
// nova's NovaKeystoneContext and their copies): it turns the identity
// headers auth_token wrote into a request.Identity (see
// request.IdentityFrom), and answers 401 when there is no user id, which means
// the request did not go through a successful token validation.
//
// It trusts the headers: it must sit behind auth_token, which strips any
// identity headers the client sent before it writes its own.
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
