package filters

import (
	"net/http"

	"github.com/pasteserve/pasteserve/fault"
)

// KeystoneContextOptions are the options of the keystonecontext filter:
// it has none.
type KeystoneContextOptions struct{}

// NewKeystoneContext returns the filter every OpenStack service puts
// after keystonemiddleware's auth_token (neutron's
// NeutronKeystoneContext, nova's NovaKeystoneContext and their copies):
// it turns the identity headers auth_token wrote into a
// request.Identity (see request.IdentityFrom), and answers 401 when
// there is no user id, which means the request did not go through a
// successful token validation.
//
// It trusts the headers: it must sit behind auth_token, which strips any
// identity headers the client sent before it writes its own.
//
// What a request needs (its copy, with the context that carries the
// Identity, the Identity and up to six roles) is one value, which over
// HTTP/1 in pasteserve's server is the connection's, reused by each of
// its requests, and elsewhere one allocation per request. The Identity
// is read from the headers when it is first asked for, so that a
// request nothing asks about costs no header look-ups but the user's.
func NewKeystoneContext(KeystoneContextOptions) (func(http.Handler) http.Handler, error) {
	return func(next http.Handler) http.Handler {
		return &keystoneContext{next: next}
	}, nil
}

// keystoneContext is the keystonecontext handler.
type keystoneContext struct{ next http.Handler }

func (f *keystoneContext) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if header(r.Header, "X-User-Id") == "" && header(r.Header, "X-User") == "" {
		fault.Write(w, r, http.StatusUnauthorized, "This server could not verify that you are authorized to access the document you requested.")
		return
	}
	if k := claimKept[keptIdentityState](r, f); k != nil {
		defer k.done()
		k.init(r)
		f.next.ServeHTTP(w, k.request(r, k))
		return
	}
	s := new(identityState)
	s.init(r)
	f.next.ServeHTTP(w, s.request(r, s))
}
