package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pasteserve/pasteserve/internal/keystonetest"
)

// TestNovaPasteFileServes serves nova's real api-paste.ini
// (testdata/paste/corpus) unchanged against a real Keystone (Debian's
// keystone under uwsgi on 127.0.0.1, started by
// internal/keystonetest/start.sh): nova's file has only the keystone
// pipeline. auth_token reads [keystone_authtoken] and cors reads [cors]
// from the nova.conf given with --config-file. Only nova's v2.1 router
// and its legacy v2 wrapper are stand-ins (internal/testbin/server); the
// urlmap, the versions apps, compute_req_id, the fault wrapper, the
// request log, cors, http_proxy_to_wsgi, sizelimit, osprofiler,
// auth_token and keystonecontext are pasteserve's.
//
// Request ids: the pipelines under /v2 and /v2.1 have nova's
// compute_req_id filter, which answers x-openstack-request-id and
// x-compute-request-id. The root versions pipeline (oscomputeversions)
// has no request id filter, and cors sits outside compute_req_id, so
// the root document and a preflight answered by cors carry only the id
// the server assigns to every request (assign_request_id), and no
// x-compute-request-id; nova itself sends no id on those.
func TestNovaPasteFileServes(t *testing.T) {
	keystonetest.SkipUnlessInstalled(t, "nova's api-paste.ini")
	ks := keystonetest.Start(t)
	admin := ks.Password(t, "admin", keystonetest.AdminPassword, "admin")
	serviceRole := ks.EnsureRole(t, admin, "service")
	memberRole := ks.EnsureRole(t, admin, "member")
	serviceProject := ks.Create(t, admin, "projects", map[string]any{"name": "service", "domain_id": "default"})
	demo := ks.Create(t, admin, "projects", map[string]any{"name": "demo", "domain_id": "default"})
	novaUser := ks.Create(t, admin, "users", map[string]any{"name": "nova", "password": "nova-s3cret", "domain_id": "default"})
	alice := ks.Create(t, admin, "users", map[string]any{"name": "alice", "password": "alice-s3cret", "domain_id": "default"})
	ks.Assign(t, admin, serviceProject, novaUser, serviceRole)
	ks.Assign(t, admin, demo, alice, memberRole)
	token := ks.Password(t, "alice", "alice-s3cret", "demo")

	src, err := os.ReadFile("../testdata/paste/corpus/nova__api-paste.ini")
	if err != nil {
		t.Fatal(err)
	}
	// nova sets its own [cors] defaults in code; pasteserve has only
	// neutron's built in, so this nova.conf names the headers.
	p := start(t, map[string]string{
		"api.ini": string(src),
		"nova.conf": "[DEFAULT]\nbind_host = 127.0.0.1\nbind_port = 0\n" +
			"[keystone_authtoken]\nwww_authenticate_uri = " + ks.URL + "\nauth_url = " + ks.URL + "\n" +
			"auth_type = password\nusername = nova\npassword = nova-s3cret\nuser_domain_name = Default\n" +
			"project_name = service\nproject_domain_name = Default\nhttp_connect_timeout = 30\n" +
			"[cors]\nallowed_origin = https://dashboard.example.com\nallow_headers = X-Auth-Token, OpenStack-API-Version\n",
	}, "--name", "osapi_compute", "--config-file", "nova.conf")

	// Token validation goes to a one-thread Keystone: a generous client.
	slow := &http.Client{Timeout: 90 * time.Second}
	do := func(method, path string, body io.Reader, header ...string) (int, string, http.Header) {
		t.Helper()
		req, _ := http.NewRequest(method, p.url(path), body)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := slow.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	// ids checks x-openstack-request-id, and x-compute-request-id (the
	// same id) where compute_req_id is in the pipeline.
	ids := func(what string, h http.Header, compute bool) {
		t.Helper()
		id := h.Get("X-Openstack-Request-Id")
		if !isReqID(id) {
			t.Errorf("%s: x-openstack-request-id = %q", what, id)
		}
		if got := h.Get("X-Compute-Request-Id"); compute && got != id || !compute && got != "" {
			t.Errorf("%s: x-compute-request-id = %q, x-openstack-request-id %q", what, got, id)
		}
	}

	type version struct {
		ID, Status, Version string
		MinVersion          string `json:"min_version"`
		Links               []struct{ Rel, Href string }
	}

	// GET /: both versions, no token needed.
	code, body, h := do("GET", "/", nil)
	var root struct{ Versions []version }
	if code != 200 || json.Unmarshal([]byte(body), &root) != nil || len(root.Versions) != 2 ||
		root.Versions[1].ID != "v2.1" || root.Versions[1].MinVersion != "2.1" || root.Versions[1].Links[0].Href != p.url("/v2.1/") {
		t.Errorf("GET / = %d %s, want nova's versions document", code, body)
	}
	ids("GET /", h, false)

	// GET /v2.1 and /v2: the version mounted there (VersionsV2), no token.
	for path, want := range map[string]string{"/v2.1": "v2.1", "/v2.1/": "v2.1", "/v2": "v2.0"} {
		code, body, h := do("GET", path, nil)
		var v struct{ Version version }
		if code != 200 || json.Unmarshal([]byte(body), &v) != nil || v.Version.ID != want ||
			len(v.Version.Links) == 0 || v.Version.Links[0].Href != p.url("/"+strings.Trim(path, "/")+"/") {
			t.Errorf("GET %s = %d %s, want the %s document", path, code, body, want)
		}
		ids("GET "+path, h, true)
	}
	// nova's urlmap: a media type's version picks the version's app.
	if code, body, _ := do("GET", "/", nil, "Accept", "application/json;version=2.1"); code != 200 || !strings.Contains(body, `"version":{"id":"v2.1"`) {
		t.Errorf("GET / with Accept version=2.1 = %d %s", code, body)
	}

	// The API with alice's token: Keystone's identity reaches the router.
	type servers struct {
		Servers     []any    `json:"servers"`
		UserID      string   `json:"user_id"`
		ProjectID   string   `json:"project_id"`
		Roles       []string `json:"roles"`
		PathProject string   `json:"path_project"`
		LegacyV2    bool     `json:"legacy_v2"`
	}
	for _, prefix := range []string{"/v2.1", "/v2"} {
		path := prefix + "/" + demo + "/servers"
		code, body, h = do("GET", path, nil, "X-Auth-Token", token)
		var s servers
		if code != 200 || json.Unmarshal([]byte(body), &s) != nil || s.Servers == nil || s.UserID != alice ||
			s.ProjectID != demo || s.PathProject != demo || !strings.Contains(","+strings.Join(s.Roles, ",")+",", ",member,") ||
			s.LegacyV2 != (prefix == "/v2") {
			t.Errorf("GET %s = %d %s", path, code, body)
		}
		ids("GET "+path, h, true)
		t.Logf("GET %s with a token: %d, user %s project %s roles %v legacy_v2 %v, x-openstack-request-id %s, x-compute-request-id %s",
			path, code, s.UserID, s.ProjectID, s.Roles, s.LegacyV2, h.Get("X-Openstack-Request-Id"), h.Get("X-Compute-Request-Id"))
	}

	// No token, and a bad one: 401 from auth_token, pointing at Keystone.
	for name, header := range map[string][]string{"no token": nil, "bad token": {"X-Auth-Token", "gAAAAABnot-a-token"}} {
		code, body, h = do("GET", "/v2.1/"+demo+"/servers", nil, header...)
		if code != 401 || h.Get("WWW-Authenticate") != `Keystone uri="`+ks.URL+`"` {
			t.Errorf("%s: %d %v %s", name, code, h, body)
		}
		ids(name, h, true)
		t.Logf("%s: %d, WWW-Authenticate: %s", name, code, h.Get("WWW-Authenticate"))
	}

	// A panic in the API is nova's JSON fault, without the panic.
	code, body, h = do("GET", "/v2.1/"+demo+"/panic", nil, "X-Auth-Token", token)
	if code != 500 || body != `{"computeFault":{"code":500,"message":"The server has either erred or is incapable of performing the requested operation."}}` {
		t.Errorf("GET /v2.1/<project>/panic = %d %s", code, body)
	}
	ids("panic", h, true)

	// sizelimit comes before auth_token: a large body is refused first.
	code, _, h = do("POST", "/v2.1/"+demo+"/servers", strings.NewReader(strings.Repeat("x", 200000)), "Content-Type", "application/json")
	if code != 413 {
		t.Errorf("POST 200000 bytes = %d, want 413", code)
	}
	ids("POST 200000 bytes", h, true)

	// CORS from [cors]: cors is first in every pipeline, so it answers a
	// preflight before auth_token asks for a token.
	preflight := func(origin string) http.Header {
		t.Helper()
		code, _, h := do("OPTIONS", "/v2.1/"+demo+"/servers", nil,
			"Origin", origin, "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "X-Auth-Token")
		if code != 200 {
			t.Errorf("preflight from %s: %d", origin, code)
		}
		ids("preflight from "+origin, h, false)
		return h
	}
	if h := preflight("https://dashboard.example.com"); h.Get("Access-Control-Allow-Origin") != "https://dashboard.example.com" ||
		h.Get("Access-Control-Allow-Methods") != "GET" || h.Get("Access-Control-Allow-Headers") != "X-Auth-Token" {
		t.Errorf("preflight from the configured origin: %v", h)
	}
	if h := preflight("https://elsewhere.example.com"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin was granted: %v", h)
	}
	_, _, h = do("GET", "/v2.1/"+demo+"/servers", nil, "X-Auth-Token", token, "Origin", "https://dashboard.example.com")
	if h.Get("Access-Control-Allow-Origin") != "https://dashboard.example.com" {
		t.Errorf("GET from the dashboard: %v", h)
	}
}

// TestNovaMetadataPasteServes serves the metadata composite of nova's
// api-paste.ini; it needs no Keystone. The metadata app is a stand-in.
// Its pipeline (cors http_proxy_to_wsgi metaapp) has no request id
// filter: the id is the one the server assigns.
func TestNovaMetadataPasteServes(t *testing.T) {
	src, err := os.ReadFile("../testdata/paste/corpus/nova__api-paste.ini")
	if err != nil {
		t.Fatal(err)
	}
	p := start(t, map[string]string{
		"api.ini":   string(src),
		"nova.conf": "[DEFAULT]\nbind_host = 127.0.0.1\nbind_port = 0\n",
	}, "--name", "metadata", "--config-file", "nova.conf")
	code, body, h := get(t, p.url("/"))
	if code != 200 || body != "1.0\nlatest" || !isReqID(h.Get("X-Openstack-Request-Id")) {
		t.Errorf("GET / = %d %q %v", code, body, h)
	}
}
