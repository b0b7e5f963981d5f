package server_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNeutronPasteFileServes serves neutron's real api-paste.ini
// (testdata/paste/corpus) unchanged, with auth_strategy = noauth from an
// oslo-style config file. Only the neutron-specific v2 router and
// extensions filter are stand-ins (internal/testbin/server); the
// versions app, noauth, request_id, catch_errors, cors,
// http_proxy_to_wsgi, osprofiler and healthcheck are pasteserve's.
func TestNeutronPasteFileServes(t *testing.T) {
	paste, err := filepath.Abs("../testdata/paste/corpus/neutron__api-paste.ini")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(paste)
	if err != nil {
		t.Fatal(err)
	}
	p := start(t, map[string]string{
		"api.ini":      string(src),
		"neutron.conf": "[DEFAULT]\nbind_host = 127.0.0.1\nbind_port = 0\nauth_strategy = noauth\n",
	}, "--name", "neutron", "--config-file", "neutron.conf")

	code, body, h := get(t, p.url("/"))
	var versions struct{ Versions []struct{ ID string } }
	if code != 200 || json.Unmarshal([]byte(body), &versions) != nil || len(versions.Versions) == 0 {
		t.Errorf("GET / = %d %q, want a versions document", code, body)
	}
	// neutron's versions pipeline has no request_id filter; the server
	// gives the request its id (assign_request_id).
	if id := h.Get("X-Openstack-Request-Id"); !strings.HasPrefix(id, "req-") {
		t.Errorf("GET /: x-openstack-request-id = %q", id)
	}

	code, body, h = get(t, p.url("/v2.0/networks"))
	if code != 200 || !strings.Contains(body, `"networks": []`) {
		t.Errorf("GET /v2.0/networks = %d %q", code, body)
	}
	if id := h.Get("X-Openstack-Request-Id"); !strings.HasPrefix(id, "req-") {
		t.Errorf("GET /v2.0/networks: x-openstack-request-id = %q", id)
	}
	// noauth: neutron's NoauthFakeProjectId sets the project.
	if strings.Contains(body, `"project": ""`) {
		t.Errorf("noauth set no project: %s", body)
	}

	if code, _, h := get(t, p.url("/healthcheck")); code != 200 || !strings.HasPrefix(h.Get("X-Openstack-Request-Id"), "req-") {
		t.Errorf("GET /healthcheck = %d, x-openstack-request-id %q", code, h.Get("X-Openstack-Request-Id"))
	}

	// No [cors] allowed_origin is configured, so a preflight gets no
	// CORS grant.
	if got := preflight(t, p.url("/v2.0/networks"), "https://dashboard.example.com", "GET", "").Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("preflight without allowed_origin: Access-Control-Allow-Origin = %q", got)
	}
}

// TestNeutronCORSFromConfigFile: neutron's [filter:cors] says only
// oslo_config_project = neutron; the [cors] group of neutron.conf
// configures it, with neutron's in-code defaults for the rest.
func TestNeutronCORSFromConfigFile(t *testing.T) {
	src, err := os.ReadFile("../testdata/paste/corpus/neutron__api-paste.ini")
	if err != nil {
		t.Fatal(err)
	}
	p := start(t, map[string]string{
		"api.ini": string(src),
		"neutron.conf": "[DEFAULT]\nbind_host = 127.0.0.1\nbind_port = 0\nauth_strategy = noauth\n" +
			"[cors]\nallowed_origin = https://dashboard.example.com\n",
	}, "--name", "neutron", "--config-file", "neutron.conf")

	preflight := func(origin string) http.Header {
		t.Helper()
		return preflight(t, p.url("/v2.0/networks"), origin, "POST", "X-Auth-Token")
	}
	if h := preflight("https://dashboard.example.com"); h.Get("Access-Control-Allow-Origin") != "https://dashboard.example.com" ||
		h.Get("Access-Control-Allow-Methods") != "POST" || h.Get("Access-Control-Allow-Headers") != "X-Auth-Token" {
		t.Errorf("preflight from the configured origin: %v", h)
	}
	if h := preflight("https://elsewhere.example.com"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin was granted: %v", h)
	}
	_, _, h := get(t, p.url("/v2.0/networks"))
	if h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("a request without Origin got CORS headers: %v", h)
	}
}

// preflight sends a CORS preflight to url from origin, asking for method
// and, unless empty, headers, and returns the answer's headers.
func preflight(t *testing.T, url, origin, method, headers string) http.Header {
	t.Helper()
	req, err := http.NewRequest("OPTIONS", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", method)
	if headers != "" {
		req.Header.Set("Access-Control-Request-Headers", headers)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header
}
