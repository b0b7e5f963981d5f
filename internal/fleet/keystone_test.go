package fleet

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/pasteserve/pasteserve/internal/keystonetest"
)

// countingProxy is a reverse proxy in front of Keystone that counts what
// auth_token asks: token validations (GET /v3/auth/tokens) by the token
// validated (X-Subject-Token), and password authentications (POST
// /v3/auth/tokens: each filter's own service token).
type countingProxy struct {
	*httptest.Server

	mu          sync.Mutex
	validations map[string]int
	logins      int
	other       int
}

// newCountingProxy starts the proxy on 127.0.0.1 in front of ks.
func newCountingProxy(t testing.TB, ks *keystonetest.Keystone) *countingProxy {
	t.Helper()
	target, err := url.Parse(strings.TrimSuffix(ks.URL, "/v3"))
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	p := &countingProxy{validations: map[string]int{}}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		switch {
		case r.URL.Path == "/v3/auth/tokens" && r.Method == http.MethodGet:
			p.validations[r.Header.Get("X-Subject-Token")]++
		case r.URL.Path == "/v3/auth/tokens" && r.Method == http.MethodPost:
			p.logins++
		default:
			p.other++
		}
		p.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

// counts returns the validations of each token, and the logins.
func (p *countingProxy) counts() (map[string]int, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v := make(map[string]int, len(p.validations))
	for k, n := range p.validations {
		v[k] = n
	}
	return v, p.logins
}

// fleetUser is a Keystone user of the test, with its tokens.
type fleetUser struct {
	name, id string
	tokens   []string
}

// setUpKeystone creates what the fleet needs in ks: a service user for
// auth_token (role service in project service), users in project demo,
// each with tokensEach project-scoped tokens, and an identity endpoint
// of interface internal in region "fleet" that points at proxy, so that
// auth_token, told interface = internal and region_name = fleet,
// validates tokens through the proxy (it validates at the catalog's
// endpoint, not at auth_url, as keystonemiddleware does).
func setUpKeystone(t testing.TB, ks *keystonetest.Keystone, proxy *countingProxy, users []string, tokensEach int) []fleetUser {
	t.Helper()
	admin := ks.Password(t, "admin", keystonetest.AdminPassword, "admin")
	serviceRole := ks.EnsureRole(t, admin, "service")
	memberRole := ks.EnsureRole(t, admin, "member")
	serviceProject := ks.Create(t, admin, "projects", map[string]any{"name": "service", "domain_id": "default"})
	demo := ks.Create(t, admin, "projects", map[string]any{"name": "demo", "domain_id": "default"})
	svc := ks.Create(t, admin, "users", map[string]any{"name": "pasteserve", "password": "svc-s3cret", "domain_id": "default"})
	ks.Assign(t, admin, serviceProject, svc, serviceRole)

	_, _, body := ks.API(t, "GET", "/services?type=identity", admin, nil)
	services, _ := body["services"].([]any)
	if len(services) == 0 {
		t.Fatalf("no identity service in Keystone's catalog: %v", body)
	}
	identity, _ := services[0].(map[string]any)["id"].(string)
	ks.Create(t, admin, "regions", map[string]any{"id": "fleet"})
	ks.Create(t, admin, "endpoints", map[string]any{"service_id": identity, "interface": "internal", "region_id": "fleet", "url": proxy.URL + "/v3"})

	var out []fleetUser
	for _, name := range users {
		u := fleetUser{name: name}
		u.id = ks.Create(t, admin, "users", map[string]any{"name": name, "password": name + "-s3cret", "domain_id": "default"})
		ks.Assign(t, admin, demo, u.id, memberRole)
		for range tokensEach {
			u.tokens = append(u.tokens, ks.Password(t, name, name+"-s3cret", "demo"))
		}
		out = append(out, u)
	}
	return out
}
