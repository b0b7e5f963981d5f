package filters

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/request"
)

// connRequests makes the requests of one connection as pasteserve's
// server hands them over: each with the connection's slots in its
// context (request.ConnSlots, kept from request to request).
type connRequests struct{ slots request.ConnSlots }

func (c *connRequests) request(r *http.Request) *http.Request {
	c.slots.Init(context.Background())
	return r.WithContext(&c.slots)
}

// identitySeen is what an app saw of a request's Identity.
type identitySeen struct {
	id  *request.Identity // as IdentityFrom returned it
	ctx context.Context   // the request's, kept past it
	// user, roles and header: the Identity's user and roles and the
	// X-User-Id header, read while the request ran.
	user, roles, header string
}

// identityApp records what it sees of each request in seen.
func identityApp(seen *[]identitySeen) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := request.IdentityFrom(r.Context())
		s := identitySeen{id: id, ctx: r.Context(), header: r.Header.Get("X-User-Id")}
		if id != nil {
			s.user, s.roles = id.UserID, strings.Join(id.Roles, ",")
		}
		*seen = append(*seen, s)
	})
}

// The identity filters keep their per-request state in the connection's
// slots, and each request of the connection sees its own identity in it:
// the user and roles of its own headers, whatever the last request's
// were. An Identity taken during a request stays that request's after
// the next one has run, and a context kept past its request answers no
// Identity (the next request's state is not its own).
func TestKeptIdentityStateIsEachRequests(t *testing.T) {
	keystone, _ := NewKeystoneContext(KeystoneContextOptions{})
	noauth, _ := NewNoAuth(DefaultNoAuthOptions())
	noauthToken, _ := NewNoAuthToken(NoAuthTokenOptions{})
	for _, tc := range []struct {
		name   string
		filter func(http.Handler) http.Handler
		// headers of the two requests, and what the app should see
		h1, h2         map[string]string
		user1, user2   string
		roles1, roles2 string
	}{
		{"keystonecontext", keystone,
			map[string]string{"X-User-Id": "alice", "X-Roles": "member,reader"},
			map[string]string{"X-User-Id": "bob", "X-Roles": "admin"},
			"alice", "bob", "member,reader", "admin"},
		{"noauth", noauth,
			map[string]string{"X-User-Id": "alice", "X-Roles": "member"},
			map[string]string{},
			"alice", "fake_user_id", "member,admin", "admin"},
		{"noauth_token", noauthToken,
			map[string]string{"X-Auth-Token": "alice:p1", "X-Roles": "reader"},
			map[string]string{"X-Auth-Token": "bob"},
			"alice", "bob", "reader,admin", "admin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seen []identitySeen
			f := tc.filter(identityApp(&seen))
			var conn connRequests
			for _, hs := range []map[string]string{tc.h1, tc.h2} {
				r := httptest.NewRequest("GET", "/", nil)
				for k, v := range hs {
					r.Header.Set(k, v)
				}
				f.ServeHTTP(httptest.NewRecorder(), conn.request(r))
			}
			if len(seen) != 2 {
				t.Fatalf("the app saw %d requests, want 2", len(seen))
			}
			for i, want := range []struct{ user, roles string }{{tc.user1, tc.roles1}, {tc.user2, tc.roles2}} {
				if s := seen[i]; s.user != want.user || s.roles != want.roles || s.header != want.user {
					t.Errorf("request %d: user %q, roles %q, X-User-Id %q; want %q, %q", i+1, s.user, s.roles, s.header, want.user, want.roles)
				}
			}
			if seen[0].id == nil || seen[0].id == seen[1].id || seen[0].id.UserID != tc.user1 {
				t.Errorf("request 1's Identity after request 2: %+v (request 2's at %p)", seen[0].id, seen[1].id)
			}
			if id, ok := request.IdentityFrom(seen[0].ctx); ok {
				t.Errorf("request 1's context, kept past it, answers Identity %+v", id)
			}
		})
	}
}

// A filter that runs again for a request while it still serves it (the
// same filter nested in itself) finds its kept state taken, and serves
// the inner request with a state of its own: each sees its own identity.
func TestKeptIdentityStateTakenGetsItsOwn(t *testing.T) {
	var inner http.Handler
	var users []string
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := request.IdentityFrom(r.Context())
		users = append(users, id.UserID)
		if len(users) == 1 {
			r2 := r.Clone(r.Context())
			r2.Header.Set("X-User-Id", "nested")
			inner.ServeHTTP(w, r2)
			id, _ = request.IdentityFrom(r.Context())
			users = append(users, id.UserID)
		}
	})
	keystone, _ := NewKeystoneContext(KeystoneContextOptions{})
	inner = keystone(app)
	var conn connRequests
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-User-Id", "outer")
	inner.ServeHTTP(httptest.NewRecorder(), conn.request(r))
	if strings.Join(users, " ") != "outer nested outer" {
		t.Errorf("users seen %q, want outer, nested, outer", users)
	}
}

// http_proxy_to_wsgi keeps its copy of the request in the connection's
// slots; each request of the connection is its own proxied client.
func TestKeptProxiedIsEachRequests(t *testing.T) {
	type seenReq struct{ scheme, host, remote string }
	var seen []seenReq
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, seenReq{request.Scheme(r), r.Host, r.RemoteAddr})
	})
	proxy, err := NewProxyHeaders(ProxyHeadersOptions{EnableProxyHeadersParsing: true})
	if err != nil {
		t.Fatal(err)
	}
	f := proxy(app)
	var conn connRequests
	for _, r := range []*http.Request{
		proxyRequest("10.0.0.1:5000", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "a.example.com", "X-Forwarded-For", "203.0.113.7"),
		proxyRequest("10.0.0.1:5000", "X-Forwarded-For", "198.51.100.2"),
		proxyRequest("10.0.0.1:5000"),
	} {
		f.ServeHTTP(httptest.NewRecorder(), conn.request(r))
	}
	want := []seenReq{{"https", "a.example.com", "203.0.113.7"}, {"http", "backend:9696", "198.51.100.2"}, {"http", "backend:9696", "10.0.0.1:5000"}}
	for i := range want {
		if i >= len(seen) || seen[i] != want[i] {
			t.Errorf("requests seen %+v, want %+v", seen, want)
			break
		}
	}
}

// catch_errors keeps its writer in the connection's slots; what one
// request wrote does not carry over: a request that panics before
// writing anything gets the 500 after one that wrote its status.
func TestKeptCatchErrorsWriterIsEachRequests(t *testing.T) {
	mw, _ := NewCatchErrors(CatchErrorsOptions{})
	f := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/boom" {
			panic("boom")
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	var conn connRequests
	first := httptest.NewRecorder()
	f.ServeHTTP(first, conn.request(httptest.NewRequest("GET", "/ok", nil)))
	second := httptest.NewRecorder()
	r := conn.request(httptest.NewRequest("GET", "/boom", nil))
	func() {
		defer func() {
			if v := recover(); v != nil {
				t.Errorf("the second request's panic went on as %v: catch_errors took its status line for sent", v)
			}
		}()
		f.ServeHTTP(second, r)
	}()
	if first.Code != http.StatusAccepted || second.Code != http.StatusInternalServerError {
		t.Errorf("statuses %d, %d; want 202, 500", first.Code, second.Code)
	}
}

// http_proxy_to_wsgi remembers, in the connection's slots, whether the
// connection's peer is a trusted proxy; a request from another address
// on the same slots is judged afresh.
func TestKeptProxiedRemembersOnlyItsPeer(t *testing.T) {
	var seen []string
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = append(seen, r.RemoteAddr) })
	proxy, err := NewProxyHeaders(ProxyHeadersOptions{EnableProxyHeadersParsing: true, TrustedProxies: []string{"10.0.0.0/8"}})
	if err != nil {
		t.Fatal(err)
	}
	f := proxy(app)
	var conn connRequests
	for _, peer := range []string{"10.0.0.1:5000", "10.0.0.1:5000", "192.0.2.9:5000", "10.0.0.1:5000"} {
		f.ServeHTTP(httptest.NewRecorder(), conn.request(proxyRequest(peer, "X-Forwarded-For", "203.0.113.7")))
	}
	if want := "203.0.113.7 203.0.113.7 192.0.2.9:5000 203.0.113.7"; strings.Join(seen, " ") != want {
		t.Errorf("clients seen %q, want %q", seen, want)
	}
}
