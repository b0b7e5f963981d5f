package filters

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/request"
)

func proxyRequest(remote string, headers ...string) *http.Request {
	r := httptest.NewRequest("GET", "http://backend:9696/networks", nil)
	r.RemoteAddr = remote
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return r
}

func TestProxyHeadersReferences(t *testing.T) {
	for _, use := range []string{
		"use = egg:oslo.middleware#http_proxy_to_wsgi",
		"paste.filter_factory = oslo_middleware:HTTPProxyToWSGI.factory",
		"paste.filter_factory = oslo_middleware.http_proxy_to_wsgi:HTTPProxyToWSGI.factory",
	} {
		h := mustBuild(t, filterPaste(use, "enable_proxy_headers_parsing = true"))
		body := do(h, proxyRequest("10.0.0.1:5000", "X-Forwarded-Proto", "https")).Body.String()
		if line(body, "scheme") != "https" {
			t.Errorf("%s: %s", use, body)
		}
	}
}

func TestProxyHeadersOffByDefault(t *testing.T) {
	h := mustBuild(t, filterPaste("use = egg:oslo.middleware#http_proxy_to_wsgi"))
	body := do(h, proxyRequest("10.0.0.1:5000", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil", "X-Forwarded-Prefix", "/p")).Body.String()
	if line(body, "appurl") != "http://backend:9696" || line(body, "remote") != "10.0.0.1:5000" {
		t.Errorf("applied while disabled:\n%s", body)
	}
}

func TestProxyHeadersApplied(t *testing.T) {
	h := mustBuild(t, filterPaste("use = egg:oslo.middleware#http_proxy_to_wsgi", "enable_proxy_headers_parsing = yes"))
	for _, tc := range []struct {
		name    string
		headers []string
		appurl  string
		remote  string
	}{
		{"x-forwarded", []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "api.example.com", "X-Forwarded-For", "203.0.113.7, 10.0.0.2"},
			"https://api.example.com", "203.0.113.7"},
		{"forwarded first element", []string{"Forwarded", `for="[2001:db8::7]:4711";proto=https;host=api.example.com, for=10.0.0.2;proto=http;host=inner`, "X-Forwarded-Proto", "http"},
			"https://api.example.com", "2001:db8::7"},
		{"Forwarded case-insensitive names", []string{"Forwarded", "For=198.51.100.1;PROTO=HTTPS"},
			"https://backend:9696", "198.51.100.1"},
		{"prefix", []string{"X-Forwarded-Prefix", "/network/"},
			"http://backend:9696/network", "10.0.0.1:5000"},
		{"prefix without slash", []string{"X-Forwarded-Prefix", "network"},
			"http://backend:9696/network", "10.0.0.1:5000"},
		{"bad scheme and host ignored", []string{"X-Forwarded-Proto", "javascript", "X-Forwarded-Host", "a/b@c", "X-Forwarded-For", "unknown"},
			"http://backend:9696", "10.0.0.1:5000"},
	} {
		body := do(h, proxyRequest("10.0.0.1:5000", tc.headers...)).Body.String()
		if line(body, "appurl") != tc.appurl || line(body, "remote") != tc.remote {
			t.Errorf("%s:\n%s", tc.name, body)
		}
	}
}

// The prefix goes in front of a script name urlmap already set, as WSGI's
// SCRIPT_NAME = prefix + SCRIPT_NAME.
func TestProxyHeadersPrefixBeforeMount(t *testing.T) {
	inner := mustBuild(t, filterPaste("use = egg:oslo.middleware#http_proxy_to_wsgi", "enable_proxy_headers_parsing = true"))
	// What urlmap does for "/v2.0 = api".
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.ServeHTTP(w, request.Mount(r, "/v2.0", r.URL.Path[len("/v2.0"):]))
	})
	r := proxyRequest("10.0.0.1:1", "X-Forwarded-Prefix", "/network", "X-Forwarded-Proto", "https")
	r.URL.Path = "/v2.0/networks"
	body := do(h, r).Body.String()
	if line(body, "script") != "/network/v2.0" || line(body, "path") != "/networks" || line(body, "appurl") != "https://backend:9696/network/v2.0" {
		t.Errorf("\n%s", body)
	}
}

func TestProxyHeadersTrustedProxies(t *testing.T) {
	h := mustBuild(t, filterPaste("use = egg:oslo.middleware#http_proxy_to_wsgi",
		"enable_proxy_headers_parsing = true", "trusted_proxies = 10.0.0.0/24, 192.0.2.9 ::1"))
	// From an untrusted peer nothing applies.
	body := do(h, proxyRequest("198.51.100.4:1000", "X-Forwarded-Proto", "https", "X-Forwarded-For", "1.2.3.4")).Body.String()
	if line(body, "scheme") != "http" || line(body, "remote") != "198.51.100.4:1000" {
		t.Errorf("untrusted peer believed:\n%s", body)
	}
	// From a trusted peer, the client is the nearest untrusted address:
	// the forged 1.2.3.4 the client put first is skipped.
	body = do(h, proxyRequest("10.0.0.5:1000", "X-Forwarded-Proto", "https", "X-Forwarded-For", "1.2.3.4, 203.0.113.50, 192.0.2.9")).Body.String()
	if line(body, "scheme") != "https" || line(body, "remote") != "203.0.113.50" {
		t.Errorf("trusted peer:\n%s", body)
	}
	body = do(h, proxyRequest("[::1]:1000", "Forwarded", "for=1.2.3.4;host=forged, for=203.0.113.50;proto=https;host=api.example.com, for=10.0.0.7;host=inner")).Body.String()
	if line(body, "appurl") != "https://api.example.com" || line(body, "remote") != "203.0.113.50" {
		t.Errorf("trusted Forwarded chain:\n%s", body)
	}
}

func TestProxyHeadersBadOptions(t *testing.T) {
	wantBuildError(t, filterPaste("use = egg:oslo.middleware#http_proxy_to_wsgi", "enable_proxy_headers_parsing = maybe"),
		"5:1", `[filter:f] enable_proxy_headers_parsing: "maybe" is not a boolean`)
	wantBuildError(t, filterPaste("use = egg:oslo.middleware#http_proxy_to_wsgi", "trusted_proxies = 10.0.0.0/33"),
		"5:1", `[filter:f] trusted_proxies: "10.0.0.0/33" is not an IP address or CIDR`)
	wantBuildError(t, filterPaste("use = egg:oslo.middleware#http_proxy_to_wsgi", "trusted_proxies = proxy.local"),
		"5:1", `"proxy.local" is not an IP address or CIDR`)
}

func TestParseNodeIP(t *testing.T) {
	for in, want := range map[string]string{"192.0.2.1": "192.0.2.1", "192.0.2.1:80": "192.0.2.1", "[2001:db8::1]": "2001:db8::1",
		"[2001:db8::1]:80": "2001:db8::1", " 2001:db8::1 ": "2001:db8::1", "::ffff:192.0.2.1": "192.0.2.1", "_hidden": "", "unknown": ""} {
		a, ok := parseNodeIP(in)
		if got := a.String(); (ok && got != want) || (!ok && want != "") {
			t.Errorf("parseNodeIP(%q) = %s %v", in, got, ok)
		}
	}
}

func BenchmarkProxyHeaders(b *testing.B) {
	benchFilter(b, benchPaste("use = egg:oslo.middleware#http_proxy_to_wsgi", "enable_proxy_headers_parsing = true", "trusted_proxies = 10.0.0.0/8"), func() *http.Request {
		return proxyRequest("10.0.0.1:5000", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "api.example.com", "X-Forwarded-For", "203.0.113.7")
	})
}

// parseForwarded splits a Forwarded header into its elements, left (the
// first proxy) to right (the nearest): the plain reading pickForwarded
// must agree with.
func parseForwarded(header string) []forwardedElement {
	var out []forwardedElement
	for _, elem := range strings.Split(header, ",") {
		out = append(out, parseForwardedElement(elem))
	}
	return out
}

// pickForwarded reads the elements in place; it must choose what
// choosing from parseForwarded's slice chooses.
func TestPickForwardedAsParsed(t *testing.T) {
	trusted := &proxyHeaders{trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	for _, fwd := range []string{
		"for=203.0.113.7;proto=https;host=api.example.com",
		`For="[2001:db8::1]:4711";Proto=HTTPS, for=10.0.0.2`,
		"for=198.51.100.1, for=203.0.113.7;host=a, for=10.0.0.2;host=b",
		"for=10.0.0.3, for=10.0.0.2",
		"for=_hidden;host=h, for=10.0.0.2",
		`for="\"quoted\"";host="a\\b"`,
		";;, ,for=1.2.3.4;;",
		"",
	} {
		for _, p := range []*proxyHeaders{{}, trusted} {
			elems := parseForwarded(fwd)
			want := elems[0]
			if len(p.trusted) > 0 {
				for i := len(elems) - 1; i > 0; i-- {
					if a, ok := parseNodeIP(elems[i].forAddr); !ok || !p.isTrusted(a) {
						want = elems[i]
						break
					}
				}
			}
			if got := p.pickForwarded(fwd); got != want {
				t.Errorf("%q (trusted %v): %+v, want %+v", fwd, p.trusted, got, want)
			}
		}
	}
}

// nodeIP skips the forms a string cannot be; it must answer as
// parseNodeIP does.
func TestNodeIPAsParseNodeIP(t *testing.T) {
	for _, in := range []string{"192.0.2.1", " 192.0.2.1:4711 ", "[2001:db8::1]", "[2001:db8::1]:4711", "2001:db8::1",
		"::ffff:192.0.2.1", "[::ffff:192.0.2.1]:80", "_hidden", "unknown", "", "1.2.3.4:", "[::1]:", "fe80::1%eth0", "01.2.3.4"} {
		a, ok := nodeIP(in)
		b, okb := parseNodeIP(in)
		if a != b || ok != okb {
			t.Errorf("nodeIP(%q) = %s %v, parseNodeIP %s %v", in, a, ok, b, okb)
		}
	}
}

// addrString keeps the text it was given only where that text is what
// a.String() prints.
func TestAddrStringIsAddrsString(t *testing.T) {
	for _, s := range []string{"203.0.113.7", "203.0.113.7:5000", "[203.0.113.7]", "::ffff:203.0.113.7", "[::ffff:203.0.113.7]:80", "2001:db8::1", "[2001:DB8::1]", "0.0.0.0", "255.255.255.255"} {
		a, ok := nodeIP(s)
		if !ok {
			t.Errorf("nodeIP(%q) failed", s)
			continue
		}
		if got, want := addrString(s, a), a.String(); got != want {
			t.Errorf("addrString(%q) = %q, want %q", s, got, want)
		}
	}
}
