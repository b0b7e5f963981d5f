package request

import (
	"context"
	"net/http"
)

type scriptNameKey struct{}

// ScriptName returns the path prefix that routing has moved out of the
// request's URL path on the way to this handler: WSGI's SCRIPT_NAME. A
// handler mounted by urlmap at /v2.0 sees URL.Path "/networks" and
// ScriptName "/v2.0", and builds links to itself from the latter.
func ScriptName(r *http.Request) string {
	s, _ := r.Context().Value(scriptNameKey{}).(string)
	return s
}

// Mount returns a shallow copy of r with prefix appended to its script
// name and rest as its URL path, as WSGI routers move a matched prefix
// from PATH_INFO to SCRIPT_NAME.
func Mount(r *http.Request, prefix, rest string) *http.Request {
	r2 := r.WithContext(context.WithValue(r.Context(), scriptNameKey{}, ScriptName(r)+prefix))
	u := *r.URL
	u.Path, u.RawPath = rest, ""
	r2.URL = &u
	return r2
}

// WithScriptName returns a shallow copy of r whose script name is s, for
// filters that set it outright, as http_proxy_to_wsgi does from
// X-Forwarded-Prefix.
func WithScriptName(r *http.Request, s string) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), scriptNameKey{}, s))
}
