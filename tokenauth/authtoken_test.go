package tokenauth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/fault"
	"github.com/pasteserve/pasteserve/request"
)

// The auth test app echoes what auth_token told it: every identity
// header ("H:Name=value"), the Identity in the context ("id:..."), and
// answers 401 itself for ?status=401.
func init() {
	factory.Register(factory.Factory{Name: "authtoken-test-app", Namespace: "pasteserve", Kind: factory.KindApp, App: func(cfg *factory.Config) (http.Handler, error) {
		return http.HandlerFunc(authEchoApp), nil
	}})
}

func authEchoApp(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("status") == "401" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var lines []string
	for k, v := range r.Header {
		if isIdentityHeader(k) {
			lines = append(lines, "H:"+k+"="+strings.Join(v, "|"))
		}
	}
	sort.Strings(lines)
	if id, ok := request.IdentityFrom(r.Context()); ok {
		lines = append(lines, fmt.Sprintf("id:user=%s/%s project=%s/%s roles=%s admin=%v status=%s token=%v service=%s/%s/%s rid=%v",
			id.UserID, id.UserName, id.ProjectID, id.ProjectName, strings.Join(id.Roles, ","), id.IsAdmin, id.IdentityStatus,
			id.AuthToken != "", id.ServiceUserID, id.ServiceProjectID, strings.Join(id.ServiceRoles, ","), id.RequestID != ""))
	}
	fmt.Fprintln(w, strings.Join(lines, "\n"))
}

// authPaste is filterPaste with the auth test app.
func authPaste(src string) string {
	return strings.Replace(src, "filters-test-app", "authtoken-test-app", 1)
}

// headerLine returns the value the echo app saw for header name, or
// "<none>".
func headerLine(body, name string) string { return line(body, "H:"+name) }

func TestAuthTokenReferences(t *testing.T) {
	k := newFakeKeystone(t)
	for _, ref := range []string{
		"egg:keystonemiddleware#auth_token", "keystonemiddleware.auth_token:filter_factory",
		"keystoneclient.middleware.auth_token:filter_factory", "keystone.middleware.auth_token:filter_factory",
		"egg:pasteserve#auth_token",
	} {
		use := "paste.filter_factory = " + ref
		if strings.HasPrefix(ref, "egg:") {
			use = "use = " + ref
		}
		src := strings.Replace(authTokenPaste(k), "paste.filter_factory = keystonemiddleware.auth_token:filter_factory", use, 1)
		h := mustBuild(t, src)
		if rec := get(h, "/"); rec.Code != 401 {
			t.Errorf("%s: %d", ref, rec.Code)
		}
	}
}

func TestAuthTokenValid(t *testing.T) {
	k := newFakeKeystone(t)
	h := mustBuild(t, authPaste(authTokenPaste(k)))
	tok := k.issue("alice", time.Hour)
	rec := get(h, "/", "X-Auth-Token", tok,
		// Forged identity: all of it must go.
		"X-User-Id", "evil", "X-Roles", "admin", "X-Identity-Status", "Confirmed", "X-Tenant-Id", "evil",
		"X-Service-Roles", "service", "X-Service-User-Id", "evil", "X-Is-Admin-Project", "True", "X-Domain-Id", "evil",
		"X-Service-Catalog", "[]", "Openstack-System-Scope", "all", "X-User-Name", "evil", "X-Project-Name", "evil")
	body := rec.Body.String()
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, body)
	}
	want := map[string]string{
		"X-Identity-Status": "Confirmed", "X-User-Id": "alice-id", "X-User-Name": "alice",
		"X-User-Domain-Id": "default", "X-User-Domain-Name": "Default",
		"X-Project-Id": "demo-id", "X-Project-Name": "demo", "X-Project-Domain-Id": "default", "X-Project-Domain-Name": "Default",
		"X-Roles": "member,reader", "X-Is-Admin-Project": "True",
		"X-Role": "member,reader", "X-User": "alice", "X-Tenant-Id": "demo-id", "X-Tenant-Name": "demo", "X-Tenant": "demo",
		"X-Service-Roles": "<none>", "X-Service-User-Id": "<none>", "X-Domain-Id": "<none>", "Openstack-System-Scope": "<none>",
		"X-Service-Identity-Status": "<none>",
	}
	for name, v := range want {
		if got := headerLine(body, name); got != v {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
	var catalog []map[string]any
	if err := json.Unmarshal([]byte(headerLine(body, "X-Service-Catalog")), &catalog); err != nil || len(catalog) != 2 || catalog[0]["type"] != "identity" {
		t.Errorf("X-Service-Catalog: %v %s", err, headerLine(body, "X-Service-Catalog"))
	}
	if id := line(body, "id:user"); !strings.HasPrefix(id, "alice-id/alice project=demo-id/demo roles=member,reader admin=false status=Confirmed token=true service=// rid=false") {
		t.Errorf("identity: %s", id)
	}
	// The filter validated against the catalog's internal endpoint,
	// the default interface.
	if paths, _ := k.seen(); paths[0] != "/internal" {
		t.Errorf("validated at %q, want the internal endpoint", paths[0])
	}
}

func TestAuthTokenDoesNotChangeTheCallersRequest(t *testing.T) {
	k := newFakeKeystone(t)
	h := mustBuild(t, authPaste(authTokenPaste(k)))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Auth-Token", k.issue("alice", time.Hour))
	r.Header.Set("X-User-Id", "evil")
	before := r.Header.Clone()
	if rec := do(h, r); rec.Code != 200 {
		t.Fatal(rec.Code)
	}
	if fmt.Sprint(before) != fmt.Sprint(r.Header) {
		t.Errorf("the request's headers changed:\n%v\n%v", before, r.Header)
	}
}

func TestAuthTokenRejects(t *testing.T) {
	k := newFakeKeystone(t)
	h := mustBuild(t, authPaste(authTokenPaste(k)))
	for name, headers := range map[string][]string{
		"missing": nil,
		"unknown": {"X-Auth-Token", "gAAAAnot-a-token"},
		"garbage": {"X-Auth-Token", "not a token\x01"},
		"expired": {"X-Auth-Token", k.issue("alice", -time.Minute)},
	} {
		rec := get(h, "/", headers...)
		if rec.Code != 401 {
			t.Errorf("%s: %d", name, rec.Code)
			continue
		}
		if got := rec.Header().Get("WWW-Authenticate"); got != `Keystone uri="http://keystone.example.com:5000"` {
			t.Errorf("%s: WWW-Authenticate %q", name, got)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", name, ct)
		}
		var body struct {
			Error struct {
				Code           int
				Title, Message string
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code != 401 || body.Error.Title != "Unauthorized" ||
			body.Error.Message != "The request you have made requires authentication." {
			t.Errorf("%s: body %s", name, rec.Body)
		}
	}
	// A 401 from the app gets the challenge too.
	rec := get(h, "/?status=401", "X-Auth-Token", k.issue("alice", time.Hour))
	if rec.Code != 401 || rec.Header().Get("WWW-Authenticate") == "" {
		t.Errorf("app's 401: %d %v", rec.Code, rec.Header())
	}
}

func TestAuthTokenWWWAuthenticateDefaultsToAuthURL(t *testing.T) {
	k := newFakeKeystone(t)
	src := strings.Replace(authTokenPaste(k), "www_authenticate_uri = http://keystone.example.com:5000\n", "", 1)
	rec := get(mustBuild(t, src), "/")
	if got := rec.Header().Get("WWW-Authenticate"); got != `Keystone uri="`+k.URL()+`"` {
		t.Errorf("WWW-Authenticate %q", got)
	}
	// auth_uri is the deprecated name.
	src = strings.Replace(authTokenPaste(k), "www_authenticate_uri", "auth_uri", 1)
	if got := get(mustBuild(t, src), "/").Header().Get("WWW-Authenticate"); got != `Keystone uri="http://keystone.example.com:5000"` {
		t.Errorf("auth_uri: %q", got)
	}
}

func TestAuthTokenDelayAuthDecision(t *testing.T) {
	k := newFakeKeystone(t)
	h := mustBuild(t, authPaste(authTokenPaste(k, "delay_auth_decision = true")))
	for name, headers := range map[string][]string{
		"missing": {"X-User-Id", "evil", "X-Identity-Status", "Confirmed"},
		"unknown": {"X-Auth-Token", "gAAAAnope", "X-Roles", "admin"},
	} {
		rec := get(h, "/", headers...)
		body := rec.Body.String()
		if rec.Code != 200 || headerLine(body, "X-Identity-Status") != "Invalid" || headerLine(body, "X-User-Id") != "<none>" ||
			headerLine(body, "X-Roles") != "<none>" || line(body, "id:user") != "<none>" {
			t.Errorf("%s: %d\n%s", name, rec.Code, body)
		}
	}
	// A valid token is still Confirmed.
	body := get(h, "/", "X-Auth-Token", k.issue("alice", time.Hour)).Body.String()
	if headerLine(body, "X-Identity-Status") != "Confirmed" || headerLine(body, "X-User-Id") != "alice-id" {
		t.Errorf("valid:\n%s", body)
	}
	// Keystone failing: the app decides, as with an invalid token.
	k.setFail(500)
	rec := get(h, "/", "X-Auth-Token", k.issue("alice", time.Hour))
	if rec.Code != 200 || headerLine(rec.Body.String(), "X-Identity-Status") != "Invalid" {
		t.Errorf("Keystone failing: %d\n%s", rec.Code, rec.Body)
	}
}

func TestAuthTokenUnavailable(t *testing.T) {
	k := newFakeKeystone(t)
	h := mustBuild(t, authPaste(authTokenPaste(k, "token_cache_time = -1")))
	tok := k.issue("alice", time.Hour)
	if rec := get(h, "/", "X-Auth-Token", tok); rec.Code != 200 {
		t.Fatalf("before: %d", rec.Code)
	}
	for _, status := range []int{500, 503, 403} {
		k.setFail(status)
		rec := get(h, "/", "X-Auth-Token", tok)
		var f fault.Body
		if json.Unmarshal(rec.Body.Bytes(), &f); rec.Code != 503 || f.Message != "The Keystone service is temporarily unavailable." {
			t.Errorf("Keystone answering %d: %d %s", status, rec.Code, rec.Body)
		}
	}
	k.setFail(0)
	k.srv.Close()
	if rec := get(h, "/", "X-Auth-Token", tok); rec.Code != 503 {
		t.Errorf("Keystone down: %d %s", rec.Code, rec.Body)
	}
}

func TestAuthTokenServiceCredentialsRejected(t *testing.T) {
	k := newFakeKeystone(t)
	h := mustBuild(t, authPaste(strings.Replace(authTokenPaste(k), "password = svc-pass", "password = wrong", 1)))
	if rec := get(h, "/", "X-Auth-Token", k.issue("alice", time.Hour)); rec.Code != 503 {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
	// A service user without the service or admin role: Keystone
	// answers 403 to its validations.
	k.addUser("plain", fakeUser{id: "plain-id", password: "p", projectName: "service", roles: []string{"member"}})
	src := strings.NewReplacer("username = svc", "username = plain", "password = svc-pass", "password = p").Replace(authTokenPaste(k))
	if rec := get(mustBuild(t, authPaste(src)), "/", "X-Auth-Token", k.issue("alice", time.Hour)); rec.Code != 503 {
		t.Errorf("403 to the service user: %d %s", rec.Code, rec.Body)
	}
}

func TestAuthTokenCache(t *testing.T) {
	k := newFakeKeystone(t)
	h := mustBuild(t, authPaste(authTokenPaste(k)))
	tok := k.issue("alice", time.Hour)
	for range 3 {
		if rec := get(h, "/", "X-Auth-Token", tok); rec.Code != 200 {
			t.Fatal(rec.Code)
		}
	}
	for range 3 {
		if rec := get(h, "/", "X-Auth-Token", "gAAAAbad"); rec.Code != 401 {
			t.Fatal(rec.Code)
		}
	}
	if auths, validations := k.counts(); auths != 1 || validations != 2 {
		t.Errorf("%d authentications, %d validations; want 1 and 2 (one per token)", auths, validations)
	}
	// Cached, a revoked token stays valid until its entry expires, as
	// in keystonemiddleware.
	k.revoke(tok)
	if rec := get(h, "/", "X-Auth-Token", tok); rec.Code != 200 {
		t.Errorf("revoked but cached: %d", rec.Code)
	}

	// Without the cache, every request asks and a revocation counts at
	// once.
	k = newFakeKeystone(t)
	h = mustBuild(t, authPaste(authTokenPaste(k, "token_cache_time = -1")))
	tok = k.issue("alice", time.Hour)
	for range 3 {
		get(h, "/", "X-Auth-Token", tok)
	}
	if _, validations := k.counts(); validations != 3 {
		t.Errorf("%d validations without a cache, want 3", validations)
	}
	k.revoke(tok)
	if rec := get(h, "/", "X-Auth-Token", tok); rec.Code != 401 {
		t.Errorf("revoked: %d", rec.Code)
	}
}

func TestAuthTokenServiceToken(t *testing.T) {
	k := newFakeKeystone(t)
	k.addUser("nova", fakeUser{id: "nova-id", password: "x", projectID: "service-id", projectName: "service", roles: []string{"service"}})
	k.addUser("carol", fakeUser{id: "carol-id", password: "x", projectID: "demo-id", projectName: "demo", roles: []string{"member"}})
	h := mustBuild(t, authPaste(authTokenPaste(k)))
	user, service := k.issue("alice", time.Hour), k.issue("nova", time.Hour)

	body := get(h, "/", "X-Auth-Token", user, "X-Service-Token", service).Body.String()
	for name, v := range map[string]string{
		"X-Identity-Status": "Confirmed", "X-Service-Identity-Status": "Confirmed", "X-User-Id": "alice-id",
		"X-Service-User-Id": "nova-id", "X-Service-Project-Id": "service-id", "X-Service-Roles": "service",
		"X-Service-User-Name": "nova", "X-Service-Project-Name": "service",
	} {
		if got := headerLine(body, name); got != v {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
	if !strings.Contains(line(body, "id:user"), "service=nova-id/service-id/service") {
		t.Errorf("identity: %s", line(body, "id:user"))
	}

	// An expired user token passes with a valid service token
	// (allow_expired), not without.
	expired := k.issue("alice", -time.Minute)
	if rec := get(h, "/", "X-Auth-Token", expired, "X-Service-Token", service); rec.Code != 200 {
		t.Errorf("expired user token with a service token: %d", rec.Code)
	}
	if rec := get(h, "/", "X-Auth-Token", expired); rec.Code != 401 {
		t.Errorf("expired user token alone: %d", rec.Code)
	}
	if _, queries := k.seen(); !strings.Contains(strings.Join(queries, " "), "allow_expired=1") {
		t.Errorf("queries %q: allow_expired never asked", queries)
	}

	// A service token without a service role, or an invalid one, fails
	// the request.
	notService := k.issue("carol", time.Hour)
	for name, svc := range map[string]string{"no service role": notService, "invalid": "gAAAAnope"} {
		if rec := get(h, "/", "X-Auth-Token", user, "X-Service-Token", svc); rec.Code != 401 {
			t.Errorf("%s: %d", name, rec.Code)
		}
	}
	// ... unless the roles are not required, or the decision is delayed.
	h = mustBuild(t, authPaste(authTokenPaste(k, "service_token_roles_required = false")))
	if body := get(h, "/", "X-Auth-Token", user, "X-Service-Token", notService).Body.String(); headerLine(body, "X-Service-Identity-Status") != "Confirmed" {
		t.Errorf("roles not required:\n%s", body)
	}
	h = mustBuild(t, authPaste(authTokenPaste(k, "service_token_roles = member, operator")))
	if body := get(h, "/", "X-Auth-Token", user, "X-Service-Token", notService).Body.String(); headerLine(body, "X-Service-Identity-Status") != "Confirmed" {
		t.Errorf("service_token_roles = member:\n%s", body)
	}
	h = mustBuild(t, authPaste(authTokenPaste(k, "delay_auth_decision = yes")))
	body = get(h, "/", "X-Auth-Token", user, "X-Service-Token", notService).Body.String()
	if headerLine(body, "X-Service-Identity-Status") != "Invalid" || headerLine(body, "X-Identity-Status") != "Confirmed" || headerLine(body, "X-Service-User-Id") != "<none>" {
		t.Errorf("delayed:\n%s", body)
	}
}

func TestAuthTokenRenewsItsOwnToken(t *testing.T) {
	k := newFakeKeystone(t)
	h := mustBuild(t, authPaste(authTokenPaste(k, "token_cache_time = -1")))
	if rec := get(h, "/", "X-Auth-Token", k.issue("alice", time.Hour)); rec.Code != 200 {
		t.Fatal(rec.Code)
	}
	// Keystone forgets the filter's token (revoked, keys rotated): the
	// filter authenticates again and retries once.
	k.revokeUser("svc-id")
	if rec := get(h, "/", "X-Auth-Token", k.issue("alice", time.Hour)); rec.Code != 200 {
		t.Errorf("after the service token was revoked: %d", rec.Code)
	}
	if auths, validations := k.counts(); auths != 2 || validations != 3 {
		t.Errorf("%d authentications, %d validations; want 2 and 3", auths, validations)
	}
}

func TestAuthTokenIncludeServiceCatalog(t *testing.T) {
	k := newFakeKeystone(t)
	h := mustBuild(t, authPaste(authTokenPaste(k, "include_service_catalog = false", "interface = publicURL")))
	body := get(h, "/", "X-Auth-Token", k.issue("alice", time.Hour)).Body.String()
	if headerLine(body, "X-Service-Catalog") != "<none>" || headerLine(body, "X-User-Id") != "alice-id" {
		t.Errorf("catalog:\n%s", body)
	}
	if paths, queries := k.seen(); queries[0] != "nocatalog" || paths[0] != "/public" {
		t.Errorf("validation at %q?%q, want /public?nocatalog", paths[0], queries[0])
	}
	// Without an endpoint for the interface, auth_url is used.
	k = newFakeKeystone(t)
	h = mustBuild(t, authPaste(authTokenPaste(k, "interface = admin")))
	get(h, "/", "X-Auth-Token", k.issue("alice", time.Hour))
	if paths, _ := k.seen(); paths[0] != "" {
		t.Errorf("validation at %q, want auth_url", paths[0])
	}
}

func TestAuthTokenKerberosBind(t *testing.T) {
	k := newFakeKeystone(t)
	tok := k.issue("alice", time.Hour)
	k.bind(tok, map[string]any{"kerberos": "alice@EXAMPLE.COM"})
	if rec := get(mustBuild(t, authPaste(authTokenPaste(k))), "/", "X-Auth-Token", tok); rec.Code != 401 {
		t.Errorf("permissive: %d", rec.Code)
	}
	if rec := get(mustBuild(t, authPaste(authTokenPaste(k, "enforce_token_bind = disabled"))), "/", "X-Auth-Token", tok); rec.Code != 200 {
		t.Errorf("disabled: %d", rec.Code)
	}
}

func TestAuthTokenNeverLogsTokens(t *testing.T) {
	k := newFakeKeystone(t)
	var buf bytes.Buffer
	h := withLogger(mustBuild(t, authPaste(authTokenPaste(k))), &buf)
	bad := "gAAAAsecret-looking-token"
	get(h, "/", "X-Auth-Token", bad, "X-Service-Token", "gAAAAanother-secret")
	if strings.Contains(buf.String(), "secret") {
		t.Errorf("a token was logged:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), tokenHash(bad)) {
		t.Errorf("the token's hash was not logged:\n%s", buf.String())
	}
}

func TestAuthTokenConcurrentMissesValidateOnce(t *testing.T) {
	k := newFakeKeystone(t)
	h := mustBuild(t, authPaste(authTokenPaste(k)))
	tok := k.issue("alice", time.Hour)
	// Get the service token first, then hold validations.
	get(h, "/", "X-Auth-Token", k.issue("bob", time.Hour))
	hold := make(chan struct{})
	k.setHold(hold)
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = get(h, "/", "X-Auth-Token", tok).Code
		}()
	}
	// Release once the first validation has reached Keystone; the
	// others either wait for it or find its answer cached.
	for deadline := time.Now().Add(5 * time.Second); ; {
		if _, v := k.counts(); v == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(hold)
	wg.Wait()
	if _, v := k.counts(); v != 2 {
		t.Errorf("%d validations, want 2 (bob's, then one for all eight)", v)
	}
	for i, c := range codes {
		if c != 200 {
			t.Errorf("request %d: %d", i, c)
		}
	}
}
