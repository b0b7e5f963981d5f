package server

import (
	"net/http"
	"strings"
)

// Request headers whose names contain '_' are dropped: proxies and WSGI
// servers treat X_USER_ID and X-User-Id alike, so an underscore spelling
// is the classic way to forge an identity header past a filter that
// strips the dash spelling (eventlet 0.33 does not drop them: it maps
// X_User_Id to HTTP_X_USER_ID, as it maps X-User-Id). They still count
// towards the header limits: the client sent them. headerLimits, which
// goes over every header to count it, notes such a name on the way
// (underscoreName) and drops them (dropUnderscoreHeaders) once the
// request is within the limits, so that a request's headers are gone
// over once, not twice: a range over a map costs a random start
// (runtime.rand) and a step per entry on every request.

// underscoreName reports whether a header name contains '_'.
func underscoreName(name string) bool { return strings.IndexByte(name, '_') >= 0 }

// dropUnderscoreHeaders deletes the headers whose names contain '_'.
func dropUnderscoreHeaders(h http.Header) {
	for name := range h {
		if underscoreName(name) {
			delete(h, name)
		}
	}
}
