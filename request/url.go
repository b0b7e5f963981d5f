package request

import (
	"net/http"
	"strings"
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
//
// As in webob, the scheme's default port is left out (a client that
// asked for https://api.example.com:443/ gets links to
// https://api.example.com/...), and so is an empty one: clients compare
// endpoint strings, and the catalog writes them without the port.
func ApplicationURL(r *http.Request) string {
	scheme := Scheme(r)
	return scheme + "://" + urlHost(scheme, r.Host) + ScriptName(r)
}

// urlHost is host without the port when the port is scheme's default
// or empty, by webob's host_url rule: the port is what follows the last
// colon, unless the host ends in "]" (a bare IPv6 literal).
func urlHost(scheme, host string) string {
	i := strings.LastIndexByte(host, ':')
	if i < 0 || strings.HasSuffix(host, "]") {
		return host
	}
	switch port := host[i+1:]; {
	case port == "",
		port == "443" && scheme == "https",
		port == "80" && scheme == "http":
		return host[:i]
	}
	return host
}
