package filters

import (
	"net/netip"
	"strings"
)

// forwardedElement is one proxy's entry in a Forwarded header (RFC 7239
// section 4): "for=192.0.2.60;proto=https;host=api.example.com".
type forwardedElement struct{ forAddr, proto, host string }

// parseForwardedElement reads one element of a Forwarded header (the
// text between two commas), parameter names case-insensitive and quoted
// values unquoted, without splitting it into a slice.
func parseForwardedElement(elem string) forwardedElement {
	var e forwardedElement
	for elem != "" {
		var pair string
		pair, elem, _ = strings.Cut(elem, ";")
		k, v, _ := strings.Cut(pair, "=")
		v = strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = strings.ReplaceAll(v[1:len(v)-1], `\`, "")
		}
		// ToLower returns a name without upper case as it is.
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "for":
			e.forAddr = v
		case "proto":
			e.proto = v
		case "host":
			e.host = v
		}
	}
	return e
}

// parseNodeIP reads an address as proxies write them in Forwarded's
// "for" and in X-Forwarded-For: "192.0.2.1", "192.0.2.1:4711",
// "[2001:db8::1]", "[2001:db8::1]:4711" or "2001:db8::1". Obfuscated
// identifiers ("_hidden", "unknown") are not addresses.
func parseNodeIP(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	return a.Unmap(), err == nil
}

// validScheme accepts only the schemes a link can use: a proxy header
// must not turn an application's links into javascript: URLs.
func validScheme(s string) (string, bool) {
	switch s { // as proxies send them, without strings.ToLower's scan
	case "http", "https":
		return s, true
	}
	switch strings.ToLower(s) {
	case "http":
		return "http", true
	case "https":
		return "https", true
	}
	return "", false
}

// validHost accepts a host[:port] without characters that would change
// the meaning of a URL built from it.
func validHost(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if notInHost[s[i]] {
			return false
		}
	}
	return true
}

// notInHost marks the bytes validHost refuses, looked up rather than
// found with strings.ContainsAny, which makes its set anew on each call.
var notInHost = func() (t [256]bool) {
	for _, c := range []byte(" \t/\\@?#<>\"'") {
		t[c] = true
	}
	return t
}()
