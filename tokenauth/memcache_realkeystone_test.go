package tokenauth

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pasteserve/pasteserve/internal/keystonetest"
)

// TestAuthTokenMemcacheRealKeystone runs two auth_token filters sharing
// one memcached (Debian's) in front of a real Keystone (as
// TestAuthTokenRealKeystone does), under each security strategy: a
// token is validated with Keystone once for both. The validations are
// counted by a proxy in front of Keystone, which the filters reach
// through an internal identity endpoint of region Counted made for the
// test, so that every GET /v3/auth/tokens passes through it.
func TestAuthTokenMemcacheRealKeystone(t *testing.T) {
	keystonetest.SkipUnlessInstalled(t, "auth_token's memcached cache with a real Keystone")
	addr, _ := startMemcached(t)
	ks := keystonetest.Start(t)
	admin := ks.Password(t, "admin", keystonetest.AdminPassword, "admin")

	serviceRole := ks.EnsureRole(t, admin, "service")
	memberRole := ks.EnsureRole(t, admin, "member")
	serviceProject := ks.Create(t, admin, "projects", map[string]any{"name": "service", "domain_id": "default"})
	demoProject := ks.Create(t, admin, "projects", map[string]any{"name": "demo", "domain_id": "default"})
	svcUser := ks.Create(t, admin, "users", map[string]any{"name": "pasteserve", "password": "svc-s3cret", "domain_id": "default"})
	alice := ks.Create(t, admin, "users", map[string]any{"name": "alice", "password": "alice-s3cret", "domain_id": "default"})
	ks.Assign(t, admin, serviceProject, svcUser, serviceRole)
	ks.Assign(t, admin, demoProject, alice, memberRole)

	target, _ := url.Parse(ks.URL)
	var validations atomic.Int32
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	counting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(strings.TrimSuffix(r.URL.Path, "/"), "/auth/tokens") {
			validations.Add(1)
		}
		r.Close = true // uwsgi's http-socket closes kept-alive connections
		rp.ServeHTTP(w, r)
	}))
	defer counting.Close()
	_, _, services := ks.API(t, "GET", "/services?type=identity", admin, nil)
	list, _ := services["services"].([]any)
	if len(list) != 1 {
		t.Fatalf("identity services: %v", services)
	}
	identity, _ := list[0].(map[string]any)["id"].(string)
	ks.Create(t, admin, "regions", map[string]any{"id": "Counted"})
	ks.Create(t, admin, "endpoints", map[string]any{"service_id": identity, "interface": "internal", "region_id": "Counted", "url": counting.URL + "/v3/"})

	instance := func(strategy, secret string) http.Handler {
		opts := []string{
			"auth_url = " + ks.URL, "auth_type = password", "username = pasteserve", "password = svc-s3cret",
			"user_domain_name = Default", "project_name = service", "project_domain_name = Default",
			"region_name = Counted", "interface = internal", "http_request_max_retries = 1", "http_connect_timeout = 30",
			"memcached_servers = " + addr, "memcache_security_strategy = " + strategy,
		}
		if secret != "" {
			opts = append(opts, "memcache_secret_key = "+secret)
		}
		return mustBuild(t, authPaste(filterPaste("paste.filter_factory = keystonemiddleware.auth_token:filter_factory", opts...)))
	}
	for _, c := range []struct{ strategy, secret string }{{"None", ""}, {"MAC", "fleet-s3cret"}, {"ENCRYPT", "fleet-s3cret"}} {
		t.Run(c.strategy, func(t *testing.T) {
			a, b := instance(c.strategy, c.secret), instance(c.strategy, c.secret)
			token := ks.Password(t, "alice", "alice-s3cret", "demo")
			before := validations.Load()
			for i, h := range []http.Handler{a, b, a, b} {
				rec := get(h, "/", "X-Auth-Token", token)
				if rec.Code != 200 || headerLine(rec.Body.String(), "X-User-Id") != alice {
					t.Fatalf("request %d: %d, X-User-Id %q; want 200 and %s", i, rec.Code, headerLine(rec.Body.String(), "X-User-Id"), alice)
				}
			}
			if n := validations.Load() - before; n != 1 {
				t.Errorf("Keystone validated the token %d times for two instances sharing memcached, want 1", n)
			}
			// Python keystonemiddleware with the same options finds it.
			if out := ksmCache(t, "get", addr, c.strategy, c.secret, token, nil); !strings.Contains(out, `"`+alice+`"`) {
				t.Errorf("keystonemiddleware reads %.200s", out)
			}
		})
	}
	// Without memcached, each instance asks: the proxy does count them.
	t.Run("unshared", func(t *testing.T) {
		mk := func() http.Handler {
			return mustBuild(t, authPaste(filterPaste("paste.filter_factory = keystonemiddleware.auth_token:filter_factory",
				"auth_url = "+ks.URL, "username = pasteserve", "password = svc-s3cret", "user_domain_name = Default",
				"project_name = service", "project_domain_name = Default", "region_name = Counted", "http_connect_timeout = 30")))
		}
		a, b := mk(), mk()
		token := ks.Password(t, "alice", "alice-s3cret", "demo")
		before := validations.Load()
		get(a, "/", "X-Auth-Token", token)
		get(b, "/", "X-Auth-Token", token)
		if n := validations.Load() - before; n != 2 {
			t.Errorf("%d validations by two instances with caches of their own, want 2", n)
		}
	})
}
