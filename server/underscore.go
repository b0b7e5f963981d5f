package server

import (
	"net/http"
	"strings"
)

// dropUnderscoreHeaders drops the request headers whose names contain
// '_': proxies and WSGI servers treat X_USER_ID and X-User-Id alike, so
// an underscore spelling is the classic way to forge an identity header
// past a filter that strips the dash spelling (eventlet 0.33 does not
// drop them: it maps X_User_Id to HTTP_X_USER_ID, as it maps X-User-Id).
// They still count towards the header limits (headerLimits, outside):
// the client sent them.
func dropUnderscoreHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for name := range r.Header {
			if strings.IndexByte(name, '_') >= 0 {
				delete(r.Header, name)
			}
		}
		next.ServeHTTP(w, r)
	})
}
