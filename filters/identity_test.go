package filters

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pasteserve/pasteserve/fault"
	"github.com/pasteserve/pasteserve/request"
)

func TestKeystoneContextReferences(t *testing.T) {
	for _, ref := range []string{
		"neutron.auth:NeutronKeystoneContext.factory", "quantum.auth:QuantumKeystoneContext.factory",
		"nova.api.auth:NovaKeystoneContext.factory", "cinder.api.auth:CinderKeystoneContext.factory",
		"cinder.api.middleware.auth:CinderKeystoneContext.factory", "congress.auth:CongressKeystoneContext.factory",
		"karbor.api.middleware.auth:KarborKeystoneContext.factory", "manila.api.middleware.auth:ManilaKeystoneContext.factory",
		"masakari.api.auth:MasakariKeystoneContext.factory", "netforce.api.auth:NetforceKeystoneContext.factory",
		"tacker.auth:TackerKeystoneContext.factory", "venus.api.middleware.auth:VenusKeystoneContext.factory",
	} {
		h := mustBuild(t, filterPaste("paste.filter_factory = "+ref))
		if rec := get(h, "/"); rec.Code != 401 {
			t.Errorf("%s: %d", ref, rec.Code)
		}
	}
}

func TestKeystoneContext(t *testing.T) {
	h := mustBuild(t, filterPaste("paste.filter_factory = neutron.auth:NeutronKeystoneContext.factory"))
	rec := get(h, "/", "X-Project-Id", "p1")
	var f fault.Body
	if json.Unmarshal(rec.Body.Bytes(), &f); rec.Code != 401 || f.Code != "401 Unauthorized" {
		t.Errorf("no user: %d %s", rec.Code, rec.Body)
	}
	body := get(h, "/", "X-User-Id", "u1", "X-Project-Id", "p1", "X-Roles", "reader, admin ,member").Body.String()
	if line(body, "user") != "u1" || line(body, "project") != "p1" || line(body, "roles") != "reader,admin,member" || line(body, "admin") != "true" {
		t.Errorf("identity:\n%s", body)
	}
	// Deprecated names are read when the current ones are absent.
	body = get(h, "/", "X-User", "old-user", "X-Tenant-Id", "old-project", "X-Role", "member").Body.String()
	if line(body, "user") != "old-user" || line(body, "project") != "old-project" || line(body, "admin") != "false" {
		t.Errorf("deprecated headers:\n%s", body)
	}
}

func TestIdentityFromHeaders(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	for k, v := range map[string]string{"X-User-Id": "u", "X-User-Name": "un", "X-User-Domain-Id": "ud", "X-User-Domain-Name": "udn",
		"X-Project-Id": "p", "X-Project-Name": "pn", "X-Project-Domain-Id": "pd", "X-Project-Domain-Name": "pdn",
		"X-Domain-Id": "d", "X-Domain-Name": "dn", "OpenStack-System-Scope": "all", "X-Is-Admin-Project": "False",
		"X-Identity-Status": "Confirmed", "X-Storage-Token": "tok", "X-Service-User-Id": "su", "X-Service-Project-Id": "sp", "X-Service-Roles": "service"} {
		r.Header.Set(k, v)
	}
	id := identityFromHeaders(r)
	want := request.Identity{UserID: "u", UserName: "un", UserDomainID: "ud", UserDomainName: "udn", ProjectID: "p", ProjectName: "pn",
		ProjectDomainID: "pd", ProjectDomainName: "pdn", DomainID: "d", DomainName: "dn", SystemScope: "all", IsAdminProject: false,
		IdentityStatus: "Confirmed", AuthToken: "tok", ServiceUserID: "su", ServiceProjectID: "sp", ServiceRoles: []string{"service"}}
	got, _ := json.Marshal(id)
	exp, _ := json.Marshal(&want)
	if string(got) != string(exp) {
		t.Errorf("got  %s\nwant %s", got, exp)
	}
	if !identityFromHeaders(httptest.NewRequest("GET", "/", nil)).IsAdminProject {
		t.Errorf("X-Is-Admin-Project defaults to true")
	}
}

func TestNoAuth(t *testing.T) {
	h := mustBuild(t, filterPaste("paste.filter_factory = neutron.auth:NoauthFakeProjectId.factory"))
	body := get(h, "/").Body.String()
	for k, v := range map[string]string{"user": "fake_user_id", "project": "fake_project_id", "roles": "admin", "admin": "true",
		"h:X-User-Id": "fake_user_id", "h:X-Project-Id": "fake_project_id", "h:X-Roles": "admin", "h:X-Identity-Status": "Confirmed"} {
		if got := line(body, k); got != v {
			t.Errorf("%s = %s, want %s", k, got, v)
		}
	}
	body = get(h, "/", "X-Project-Id", "mine", "X-User-Id", "me", "X-Roles", "member").Body.String()
	if line(body, "project") != "mine" || line(body, "user") != "me" || line(body, "roles") != "member,admin" {
		t.Errorf("given identity:\n%s", body)
	}
	h = mustBuild(t, filterPaste("use = egg:pasteserve#noauth", "user_id = dev", "project_id = devproj", "roles = member, reader"))
	body = get(h, "/").Body.String()
	if line(body, "user") != "dev" || line(body, "project") != "devproj" || line(body, "roles") != "member,reader" || line(body, "admin") != "true" {
		t.Errorf("options:\n%s", body)
	}
	wantBuildError(t, filterPaste("use = egg:pasteserve#noauth", "user_id ="), "5:1", "[filter:f] user_id: is empty")
	wantBuildError(t, filterPaste("use = egg:pasteserve#noauth", "project_id ="), "5:1", "[filter:f] project_id: is empty")
}

func TestNoAuthToken(t *testing.T) {
	for _, ref := range []string{
		"cinder.api.middleware.auth:NoAuthMiddleware.factory", "cinder.api.openstack.auth:NoAuthMiddleware.factory",
		"manila.api.middleware.auth:NoAuthMiddleware.factory", "manila.api.middleware.auth:NoAuthMiddlewarev2_60.factory",
		"masakari.api.auth:NoAuthMiddleware.factory", "venus.api.middleware.auth:NoAuthMiddleware.factory",
		"karbor.api.middleware.auth:NoAuthMiddleware.factory", "netforce.api.auth:NoAuthMiddleware.factory",
	} {
		h := mustBuild(t, filterPaste("paste.filter_factory = "+ref))
		rec := get(h, "http://api:8776/v3/", "X-Auth-User", "bob", "X-Auth-Project-Id", "proj")
		if rec.Code != 204 || rec.Header().Get("X-Auth-Token") != "bob:proj" || rec.Header().Get("X-Server-Management-Url") != "http://api:8776/v3" {
			t.Errorf("%s: %d %v", ref, rec.Code, rec.Header())
		}
	}
	h := mustBuild(t, filterPaste("paste.filter_factory = nova.api.openstack.auth:NoAuthMiddleware.factory"))
	rec := get(h, "http://api:8774/v2/")
	if rec.Code != 204 || rec.Header().Get("X-Auth-Token") != "admin:admin" || rec.Header().Get("X-Server-Management-Url") != "http://api:8774/v2/admin" {
		t.Errorf("project in path: %d %v", rec.Code, rec.Header())
	}
	h = mustBuild(t, filterPaste("paste.filter_factory = cinder.api.middleware.auth:NoAuthMiddlewareIncludeProjectID.factory"))
	body := get(h, "/", "X-Auth-Token", "alice:p9").Body.String()
	if line(body, "user") != "alice" || line(body, "project") != "p9" || line(body, "admin") != "true" || line(body, "h:X-Project-Id") != "p9" {
		t.Errorf("token:\n%s", body)
	}
	if body := get(h, "/", "X-Auth-Token", "solo").Body.String(); line(body, "project") != "solo" {
		t.Errorf("token without project:\n%s", body)
	}
}

func TestOSProfiler(t *testing.T) {
	for _, ref := range []string{"use = egg:osprofiler#osprofiler", "paste.filter_factory = osprofiler.web:WsgiMiddleware.factory",
		"paste.filter_factory = aodh.profiler:WsgiMiddleware.factory", "paste.filter_factory = cyborg.common.profiler:WsgiMiddleware.factory",
		"paste.filter_factory = designate.common.profiler:WsgiMiddleware.factory", "paste.filter_factory = magnum.common.profiler:WsgiMiddleware.factory",
		"paste.filter_factory = nova.profiler:WsgiMiddleware.factory", "paste.filter_factory = panko.profiler:WsgiMiddleware.factory",
		"paste.filter_factory = zun.common.profiler:WsgiMiddleware.factory"} {
		h := mustBuild(t, filterPaste(ref, "hmac_keys = SECRET_KEY", "enabled = yes"))
		if body := get(h, "/x", "X-Trace-Info", "a", "X-Trace-HMAC", "b").Body.String(); line(body, "path") != "/x" {
			t.Errorf("%s: %s", ref, body)
		}
	}
	wantBuildError(t, filterPaste("use = egg:osprofiler#osprofiler", "enabled = si"), "5:1", `[filter:f] enabled: "si" is not a boolean`)
}

func BenchmarkKeystoneContext(b *testing.B) {
	benchFilter(b, benchPaste("paste.filter_factory = neutron.auth:NeutronKeystoneContext.factory"), func() *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("X-User-Id", "u")
		r.Header.Set("X-Project-Id", "p")
		r.Header.Set("X-Roles", "member,reader")
		return r
	})
}

func BenchmarkNoAuth(b *testing.B) {
	benchFilter(b, benchPaste("paste.filter_factory = neutron.auth:NoauthFakeProjectId.factory"), func() *http.Request {
		return httptest.NewRequest("GET", "/", nil)
	})
}

func BenchmarkNoAuthToken(b *testing.B) {
	benchFilter(b, benchPaste("use = egg:pasteserve#noauth_token"), func() *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("X-Auth-Token", "u:p")
		return r
	})
}

func BenchmarkOSProfiler(b *testing.B) {
	benchFilter(b, benchPaste("use = egg:osprofiler#osprofiler"), func() *http.Request {
		return httptest.NewRequest("GET", "/", nil)
	})
}
