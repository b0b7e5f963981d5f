package filters

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pasteserve/pasteserve/request"
)

// Issue 12 holds the built-in filters on a request's path to at most 2
// allocations a request in their own benchmarks (the Served ones: the
// filter in front of the bench app, which allocates 1 itself, on a
// request as the server hands it over). These tests pin what each costs
// now, with the same loop as benchServed, so that a change that adds one
// fails here rather than in a benchmark nobody reads. http_proxy_to_wsgi,
// catch_errors, noauth, noauth_token and keystonecontext keep their
// per-request value in the connection's slots (request.ConnSlots) and
// allocate nothing;
// without the slots (own: an HTTP/2 stream's request) they allocate it.
func TestServedFilterAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage counters change allocations")
	}
	plain := func() *http.Request { return httptest.NewRequest("GET", "/", nil) }
	for _, c := range []struct {
		name string
		src  string
		req  func() *http.Request
		want float64 // allocations a request, the bench app's included
		// fresh: the filter rewrites the request's headers in place, so
		// each request gets them back (as benchServedFresh).
		fresh bool
		// own: the request has no connection slots (newOwnRequest).
		own bool
	}{
		{"request_id", benchPaste("use = egg:oslo.middleware#request_id"), plain, 1, false, false},
		{"request_id with a global id", benchPaste("use = egg:oslo.middleware#request_id"), func() *http.Request {
			r := plain()
			r.Header.Set(request.IDHeader, goodID)
			return r
		}, 1, false, false},
		{"http_proxy_to_wsgi", benchPaste("use = egg:oslo.middleware#http_proxy_to_wsgi", "enable_proxy_headers_parsing = true", "trusted_proxies = 10.0.0.0/8"), proxied3, 1, false, false},
		{"http_proxy_to_wsgi, own", benchPaste("use = egg:oslo.middleware#http_proxy_to_wsgi", "enable_proxy_headers_parsing = true", "trusted_proxies = 10.0.0.0/8"), proxied3, 2, false, true},
		{"catch_errors", benchPaste("use = egg:oslo.middleware#catch_errors"), plain, 1, false, false},
		{"catch_errors, own", benchPaste("use = egg:oslo.middleware#catch_errors"), plain, 2, false, true},
		{"cors without Origin", benchPaste("use = egg:oslo.middleware#cors", "allowed_origin = https://dash.example.com"), plain, 2, false, false},
		{"sizelimit", benchPaste("use = egg:oslo.middleware#sizelimit"), func() *http.Request {
			r := httptest.NewRequest("POST", "/", http.NoBody)
			r.ContentLength = 2
			return r
		}, 1, false, false},
		{"noauth", benchPaste("paste.filter_factory = neutron.auth:NoauthFakeProjectId.factory"), plain, 1, true, false},
		{"noauth, own", benchPaste("paste.filter_factory = neutron.auth:NoauthFakeProjectId.factory"), plain, 2, true, true},
		{"noauth_token", benchPaste("use = egg:pasteserve#noauth_token"), tokenRequest, 1, true, false},
		{"noauth_token, own", benchPaste("use = egg:pasteserve#noauth_token"), tokenRequest, 2, true, true},
		{"keystonecontext", benchPaste("paste.filter_factory = neutron.auth:NeutronKeystoneContext.factory"), identityRequest, 1, false, false},
		{"keystonecontext, own", benchPaste("paste.filter_factory = neutron.auth:NeutronKeystoneContext.factory"), identityRequest, 2, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := mustBuild(t, c.src)
			s := newServedRequest(c.req())
			if c.own {
				s = newOwnRequest(c.req())
			}
			if c.fresh {
				s.keepHeaders()
			}
			w := &discardWriter{H: http.Header{}}
			got := testing.AllocsPerRun(200, func() {
				clear(w.H)
				s.reset()
				w.H[request.IDHeader] = s.v
				h.ServeHTTP(w, s.r)
			})
			if got > c.want {
				t.Errorf("%v allocations a request, want at most %v", got, c.want)
			}
		})
	}
}

// proxied3 is a request from a trusted proxy with three proxy headers.
func proxied3() *http.Request {
	return proxyRequest("10.0.0.1:5000", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "api.example.com", "X-Forwarded-For", "203.0.113.7")
}

// tokenRequest is a request with a noauth token.
func tokenRequest() *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Auth-Token", "u:p")
	return r
}

// identityRequest is a request as auth_token hands it on, in short.
func identityRequest() *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-User-Id", "7a1bc7b4b8a54d6f8b0e1d2c3f4a5b6c")
	r.Header.Set("X-Project-Id", "0f9e8d7c6b5a49382716051423324150")
	r.Header.Set("X-Roles", "member,reader")
	return r
}
