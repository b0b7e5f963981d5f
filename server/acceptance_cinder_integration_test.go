package server_test

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
)

// TestCinderPasteFileServes serves cinder's real api-paste.ini
// (testdata/paste/corpus) unchanged, with auth_strategy = noauth and a
// [cors] group from an oslo-style config file. Only cinder's v3 API
// router is a stand-in (internal/testbin/server); the urlmap
// (root_app_factory), the versions app, request_id, cors,
// http_proxy_to_wsgi, the fault wrapper, sizelimit, osprofiler, noauth
// and healthcheck are pasteserve's.
//
// Every pipeline of the file starts with cinder's request_id filter, so
// every response checked here carries x-openstack-request-id from it
// (it takes the id the server assigned, assign_request_id).
func TestCinderPasteFileServes(t *testing.T) {
	src, err := os.ReadFile("../testdata/paste/corpus/cinder__api-paste.ini")
	if err != nil {
		t.Fatal(err)
	}
	// cinder sets its own [cors] defaults in code (allow_headers and so
	// on); pasteserve has only neutron's built in, so a deployment's
	// cinder.conf names the headers, as this one does.
	p := start(t, map[string]string{
		"api.ini": string(src),
		"cinder.conf": "[DEFAULT]\nbind_host = 127.0.0.1\nbind_port = 0\nauth_strategy = noauth\n" +
			"[cors]\nallowed_origin = https://dashboard.example.com\nallow_headers = X-Auth-Token, OpenStack-API-Version\n",
	}, "--name", "osapi_volume", "--config-file", "cinder.conf")

	requestID := func(what string, h http.Header) {
		t.Helper()
		if id := h.Get("X-Openstack-Request-Id"); !isReqID(id) {
			t.Errorf("%s: x-openstack-request-id = %q", what, id)
		}
	}

	// GET /: cinder's versions document, 300 Multiple Choices.
	code, body, h := get(t, p.url("/"))
	var versions struct {
		Versions []struct {
			ID, Status, Version string
			MinVersion          string `json:"min_version"`
			Links               []struct{ Rel, Href string }
		}
	}
	if code != 300 || json.Unmarshal([]byte(body), &versions) != nil || len(versions.Versions) != 1 ||
		versions.Versions[0].ID != "v3.0" || versions.Versions[0].MinVersion != "3.0" ||
		len(versions.Versions[0].Links) != 1 || versions.Versions[0].Links[0].Href != p.url("/v3/") {
		t.Errorf("GET / = %d %s, want cinder's versions document", code, body)
	}
	requestID("GET /", h)

	// noauth (cinder's NoAuthMiddleware): the token user:project names
	// the identity, an admin, which reaches the router.
	const project = "6f7d0c1b2a3e4d5c8b9a0f1e2d3c4b5a"
	code, body, h = get(t, p.url("/v3/"+project+"/volumes"), "X-Auth-Token", "alice:"+project)
	var got struct {
		Volumes     []any  `json:"volumes"`
		UserID      string `json:"user_id"`
		ProjectID   string `json:"project_id"`
		IsAdmin     bool   `json:"is_admin"`
		PathProject string `json:"path_project"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &got) != nil || got.Volumes == nil ||
		got.UserID != "alice" || got.ProjectID != project || !got.IsAdmin || got.PathProject != project {
		t.Errorf("GET /v3/%s/volumes = %d %s", project, code, body)
	}
	requestID("GET /v3/<project>/volumes", h)

	// Without a token, noauth answers 204 with a fake one, as cinder's.
	code, _, h = get(t, p.url("/v3/"+project+"/volumes"))
	if code != 204 || h.Get("X-Auth-Token") != "admin:admin" || h.Get("X-Server-Management-Url") != p.url("/v3/"+project+"/volumes") {
		t.Errorf("GET without a token = %d %v", code, h)
	}
	requestID("GET /v3/<project>/volumes without a token", h)

	// A panic in the API is cinder's JSON fault, without the panic.
	code, body, h = get(t, p.url("/v3/"+project+"/panic"), "X-Auth-Token", "alice:"+project)
	if code != 500 || body != `{"computeFault":{"code":500,"message":"The server has either erred or is incapable of performing the requested operation."}}` {
		t.Errorf("GET /v3/<project>/panic = %d %s", code, body)
	}
	requestID("GET /v3/<project>/panic", h)

	code, _, h = get(t, p.url("/healthcheck"))
	if code != 200 {
		t.Errorf("GET /healthcheck = %d", code)
	}
	requestID("GET /healthcheck", h)

	// sizelimit: oslo's default, 114688 bytes.
	post := func(n int) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", p.url("/v3/"+project+"/volumes"), strings.NewReader(strings.Repeat("x", n)))
		req.Header.Set("X-Auth-Token", "alice:"+project)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return resp, b.String()
	}
	if resp, body := post(1000); resp.StatusCode != 202 || !strings.Contains(body, `"read":1000`) {
		t.Errorf("POST 1000 bytes = %d %s", resp.StatusCode, body)
	}
	resp, body := post(200000)
	if resp.StatusCode != 413 {
		t.Errorf("POST 200000 bytes = %d %s, want 413", resp.StatusCode, body)
	}
	requestID("POST 200000 bytes", resp.Header)

	// CORS, from [cors] in cinder.conf.
	preflight := func(origin string) http.Header {
		t.Helper()
		h := preflight(t, p.url("/v3/"+project+"/volumes"), origin, "GET", "X-Auth-Token")
		requestID("preflight from "+origin, h)
		return h
	}
	if h := preflight("https://dashboard.example.com"); h.Get("Access-Control-Allow-Origin") != "https://dashboard.example.com" ||
		h.Get("Access-Control-Allow-Methods") != "GET" || h.Get("Access-Control-Allow-Headers") != "X-Auth-Token" {
		t.Errorf("preflight from the configured origin: %v", h)
	}
	if h := preflight("https://elsewhere.example.com"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin was granted: %v", h)
	}
	// A request from the dashboard gets its grant with the answer.
	_, _, h = get(t, p.url("/v3/"+project+"/volumes"), "X-Auth-Token", "alice:"+project, "Origin", "https://dashboard.example.com")
	if h.Get("Access-Control-Allow-Origin") != "https://dashboard.example.com" {
		t.Errorf("GET from the dashboard: %v", h)
	}
}

// isReqID reports whether s is a request id in oslo's form.
func isReqID(s string) bool {
	return len(s) == len("req-")+36 && strings.HasPrefix(s, "req-")
}
