package filters

import (
	"net/http"

	"github.com/pasteserve/pasteserve/loader"
)

// Scheme returns the scheme the client used: r.URL.Scheme when a filter
// (http_proxy_to_wsgi, prefix) has set it from proxy headers, otherwise
// https for a TLS connection and http for the rest. It is WSGI's
// wsgi.url_scheme.
func Scheme(r *http.Request) string {
	if r.URL.Scheme != "" {
		return r.URL.Scheme
	}
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// ApplicationURL returns the URL the client reaches this handler at:
// scheme, host and script name, without a trailing slash. It is webob's
// req.application_url, from which OpenStack services build the links
// in their responses; behind a proxy it is right once
// http_proxy_to_wsgi has applied the proxy's headers.
func ApplicationURL(r *http.Request) string {
	return Scheme(r) + "://" + r.Host + loader.ScriptName(r)
}
