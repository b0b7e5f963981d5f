package tokenauth

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pasteserve/pasteserve/build"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/fault"
	"github.com/pasteserve/pasteserve/internal/keystonetest"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/request"
	"github.com/pasteserve/pasteserve/resolve"
)

// TestAuthTokenRealKeystone runs auth_token against a real Keystone
// (Debian's keystone package, sqlite, fernet tokens, served by uwsgi on
// 127.0.0.1), started by internal/keystonetest/start.sh (through
// keystonetest.Start) and stopped by its PID. It skips when
// keystone-manage or uwsgi is missing.
func TestAuthTokenRealKeystone(t *testing.T) {
	keystonetest.SkipUnlessInstalled(t, "auth_token")
	ks := keystonetest.Start(t)
	admin := ks.Password(t, "admin", keystonetest.AdminPassword, "admin")

	// A service user as a deployment has one (role service in project
	// service), and a user of a demo project.
	serviceRole := ks.EnsureRole(t, admin, "service")
	memberRole := ks.EnsureRole(t, admin, "member")
	serviceProject := ks.Create(t, admin, "projects", map[string]any{"name": "service", "domain_id": "default"})
	demoProject := ks.Create(t, admin, "projects", map[string]any{"name": "demo", "domain_id": "default"})
	svcUser := ks.Create(t, admin, "users", map[string]any{"name": "pasteserve", "password": "svc-s3cret", "domain_id": "default"})
	alice := ks.Create(t, admin, "users", map[string]any{"name": "alice", "password": "alice-s3cret", "domain_id": "default"})
	ks.Assign(t, admin, serviceProject, svcUser, serviceRole)
	ks.Assign(t, admin, demoProject, alice, memberRole)

	// pipeline builds main (request_id, auth_token, keystonecontext
	// and the echo app) or delayed (without keystonecontext, which would
	// answer 401 itself), with extra auth_token options.
	pipeline := func(name string, extra ...string) http.Handler {
		src := `[pipeline:main]
pipeline = request_id authtoken keystonecontext echo

[pipeline:delayed]
pipeline = request_id authtoken echo

[filter:request_id]
paste.filter_factory = oslo_middleware:RequestId.factory

[filter:keystonecontext]
paste.filter_factory = nova.api.auth:NovaKeystoneContext.factory

[app:echo]
use = egg:pasteserve#authtoken-test-app

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
www_authenticate_uri = ` + ks.URL + `
auth_url = ` + ks.URL + `
auth_type = password
username = pasteserve
password = svc-s3cret
user_domain_name = Default
project_name = service
project_domain_name = Default
http_request_max_retries = 1
http_connect_timeout = 10
` + strings.Join(extra, "\n") + "\n"
		r := &resolve.Resolver{Registry: factory.Default}
		n, err := r.Resolve(pasteFile(t, src), name, plan.TypeApp, nil)
		if err != nil {
			t.Fatal(err)
		}
		h, err := build.Handler(n, factory.Default)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	cached := httptest.NewServer(pipeline("main"))
	defer cached.Close()
	uncached := httptest.NewServer(pipeline("main", "token_cache_time = -1"))
	defer uncached.Close()
	delayed := httptest.NewServer(pipeline("delayed", "delay_auth_decision = true"))
	defer delayed.Close()

	aliceToken := ks.Password(t, "alice", "alice-s3cret", "demo")
	svcToken := ks.Password(t, "pasteserve", "svc-s3cret", "service")

	t.Run("valid", func(t *testing.T) {
		resp, body := call(t, cached.URL, "X-Auth-Token", aliceToken, "X-Roles", "admin", "X-User-Id", "forged")
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		for hdr, v := range map[string]string{
			"X-Identity-Status": "Confirmed", "X-User-Id": alice, "X-User-Name": "alice", "X-User-Domain-Id": "default",
			"X-User-Domain-Name": "Default", "X-Project-Id": demoProject, "X-Project-Name": "demo", "X-Project-Domain-Id": "default",
			"X-Is-Admin-Project": "True",
		} {
			if got := headerLine(body, hdr); got != v {
				t.Errorf("%s = %q, want %q", hdr, got, v)
			}
		}
		// member implies reader in Keystone's bootstrap; the order is
		// Keystone's.
		roles := strings.Split(headerLine(body, "X-Roles"), ",")
		sort.Strings(roles)
		if strings.Join(roles, ",") != "member,reader" {
			t.Errorf("X-Roles = %q, want member and reader", headerLine(body, "X-Roles"))
		}
		if !strings.Contains(headerLine(body, "X-Service-Catalog"), `"type":"identity"`) {
			t.Errorf("X-Service-Catalog: %s", headerLine(body, "X-Service-Catalog"))
		}
		// keystonecontext read the identity, with the request id.
		want := fmt.Sprintf("%s/alice project=%s/demo roles=%s admin=false status=Confirmed token=true service=// rid=true", alice, demoProject, headerLine(body, "X-Roles"))
		if got := line(body, "id:user"); got != want {
			t.Errorf("identity %q\nwant     %q", got, want)
		}
		if !request.ValidID(resp.Header.Get("X-Openstack-Request-Id")) {
			t.Errorf("request id %q", resp.Header.Get("X-Openstack-Request-Id"))
		}
		t.Logf("valid token: 200, X-User-Id %s, X-Project-Id %s, X-Roles %s", headerLine(body, "X-User-Id"), headerLine(body, "X-Project-Id"), headerLine(body, "X-Roles"))
	})

	t.Run("service token", func(t *testing.T) {
		resp, body := call(t, uncached.URL, "X-Auth-Token", aliceToken, "X-Service-Token", svcToken)
		if resp.StatusCode != 200 || headerLine(body, "X-Service-Identity-Status") != "Confirmed" ||
			headerLine(body, "X-Service-User-Id") != svcUser || headerLine(body, "X-Service-Roles") != "service" {
			t.Errorf("%d\n%s", resp.StatusCode, body)
		}
		// alice holds no service role: as a service token she fails.
		if resp, _ := call(t, uncached.URL, "X-Auth-Token", aliceToken, "X-Service-Token", aliceToken); resp.StatusCode != 401 {
			t.Errorf("alice as a service: %d", resp.StatusCode)
		}
	})

	t.Run("invalid", func(t *testing.T) {
		for name, headers := range map[string][]string{
			"missing": nil,
			"garbage": {"X-Auth-Token", "gAAAAABnot-a-fernet-token"},
			"tamper":  {"X-Auth-Token", aliceToken[:len(aliceToken)-4] + "AAAA"},
		} {
			resp, body := call(t, cached.URL, headers...)
			if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Keystone uri="`+ks.URL+`"` {
				t.Errorf("%s: %d %v %s", name, resp.StatusCode, resp.Header, body)
			}
		}
		t.Logf("invalid token: 401, WWW-Authenticate: %s", `Keystone uri="`+ks.URL+`"`)
	})

	t.Run("delay_auth_decision", func(t *testing.T) {
		resp, body := call(t, delayed.URL, "X-Auth-Token", "gAAAAABnope", "X-User-Id", "forged")
		if resp.StatusCode != 200 || headerLine(body, "X-Identity-Status") != "Invalid" || headerLine(body, "X-User-Id") != "<none>" {
			t.Errorf("%d\n%s", resp.StatusCode, body)
		}
		resp, body = call(t, delayed.URL, "X-Auth-Token", aliceToken)
		if resp.StatusCode != 200 || headerLine(body, "X-Identity-Status") != "Confirmed" {
			t.Errorf("valid: %d\n%s", resp.StatusCode, body)
		}
	})

	t.Run("revoked", func(t *testing.T) {
		tok := ks.Password(t, "alice", "alice-s3cret", "demo")
		for _, srv := range []string{cached.URL, uncached.URL} {
			if resp, _ := call(t, srv, "X-Auth-Token", tok); resp.StatusCode != 200 {
				t.Fatalf("before revocation: %d", resp.StatusCode)
			}
		}
		ks.Revoke(t, admin, tok)
		if resp, _ := call(t, uncached.URL, "X-Auth-Token", tok); resp.StatusCode != 401 {
			t.Errorf("revoked, no cache: %d", resp.StatusCode)
		}
		fresh := httptest.NewServer(pipeline("main"))
		defer fresh.Close()
		if resp, _ := call(t, fresh.URL, "X-Auth-Token", tok); resp.StatusCode != 401 {
			t.Errorf("revoked, fresh filter: %d", resp.StatusCode)
		}
		// The cache answers for token_cache_time, as keystonemiddleware's.
		if resp, _ := call(t, cached.URL, "X-Auth-Token", tok); resp.StatusCode != 200 {
			t.Errorf("revoked, cached: %d", resp.StatusCode)
		}
		t.Logf("revoked token: 401 without the cache and from a fresh filter; 200 from the cache until token_cache_time")
	})

	t.Run("Keystone stopped", func(t *testing.T) {
		other := ks.Password(t, "alice", "alice-s3cret", "demo")
		ks.Stop(t)
		resp, body := call(t, uncached.URL, "X-Auth-Token", other)
		var f fault.Body
		if json.Unmarshal([]byte(body), &f); resp.StatusCode != 503 || f.Message != "The Keystone service is temporarily unavailable." {
			t.Errorf("%d %s", resp.StatusCode, body)
		}
		// With delay_auth_decision the app decides.
		if resp, body := call(t, delayed.URL, "X-Auth-Token", other); resp.StatusCode != 200 || headerLine(body, "X-Identity-Status") != "Invalid" {
			t.Errorf("delayed: %d\n%s", resp.StatusCode, body)
		}
		// A token validated before still answers from the cache.
		if resp, _ := call(t, cached.URL, "X-Auth-Token", aliceToken); resp.StatusCode != 200 {
			t.Errorf("cached while Keystone is down: %d", resp.StatusCode)
		}
		t.Logf("Keystone stopped: 503 %q", f.Message)
	})
}

// call GETs url with headers (name, value, ...) and returns the response
// and its body.
func call(t *testing.T, url string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}
