package tokenauth

import (
	"context"
	"net/http"
	"sync"

	"github.com/pasteserve/pasteserve/request"
)

// authRequest is what a token filter allocates for one request it
// passes on, in one piece: the request's context, which answers
// request.IdentityFrom with the caller's Identity when the user token was
// valid, and the response writer that adds the WWW-Authenticate
// challenge to a 401 from the app. The Identity is made the first time
// it is asked for: most OpenStack pipelines put keystonecontext next,
// which makes its own from the headers, and a cached validation then
// costs a few small allocations (docs/auth.md has the figures).
type authRequest struct {
	context.Context // the request's own
	w               challengeWriter

	user, service *tokenIdentity // the valid tokens; nil for an invalid one
	userToken     string
	once          sync.Once
	id            *request.Identity
}

// Value answers request.IdentityFrom's question itself, as a context.WithValue
// holding the identity would, and passes every other to the request's
// own context.
func (c *authRequest) Value(key any) any {
	if request.IsIdentityKey(key) && c.user != nil {
		c.once.Do(c.makeIdentity)
		return c.id
	}
	return c.Context.Value(key)
}

// makeIdentity copies the token's Identity and adds what belongs to the
// request: the token itself, the request ids, the service token's user.
func (c *authRequest) makeIdentity() {
	id := c.user.id // a copy: the cached one is shared
	id.AuthToken = c.userToken
	id.RequestID, id.GlobalRequestID = request.ID(c.Context), request.GlobalID(c.Context)
	if c.service != nil {
		id.ServiceUserID, id.ServiceProjectID, id.ServiceRoles = c.service.id.UserID, c.service.id.ProjectID, c.service.roles
	}
	c.id = &id
}

// challengeWriter adds the filter's WWW-Authenticate header to a 401 the
// app answers, as keystonemiddleware's process_response does, so a
// client learns where to authenticate whoever rejected it.
type challengeWriter struct {
	http.ResponseWriter
	challenge   []string
	wroteHeader bool
}

func (w *challengeWriter) WriteHeader(code int) {
	if !w.wroteHeader && code >= 200 {
		w.wroteHeader = true
		if code == http.StatusUnauthorized {
			h := w.Header()
			h["Www-Authenticate"] = append(h["Www-Authenticate"], w.challenge...)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *challengeWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseWriter.Write(b)
}

// Flush sends buffered data on, when the underlying writer can.
func (w *challengeWriter) Flush() {
	w.wroteHeader = true
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController find the connection's writer.
func (w *challengeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
