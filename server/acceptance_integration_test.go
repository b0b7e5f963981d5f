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
// extensions filter are stand-ins (server/internal/testbin); the
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

	code, body, _ := get(t, p.url("/"))
	var versions struct{ Versions []struct{ ID string } }
	if code != 200 || json.Unmarshal([]byte(body), &versions) != nil || len(versions.Versions) == 0 {
		t.Errorf("GET / = %d %q, want a versions document", code, body)
	}

	code, body, h := get(t, p.url("/v2.0/networks"))
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

	if code, _, _ := get(t, p.url("/healthcheck")); code != 200 {
		t.Errorf("GET /healthcheck = %d", code)
	}

	// No [cors] allowed_origin is configured, so a preflight gets no
	// CORS grant.
	req, _ := http.NewRequest("OPTIONS", p.url("/v2.0/networks"), nil)
	req.Header.Set("Origin", "https://dashboard.example.com")
	req.Header.Set("Access-Control-Request-Method", "GET")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("preflight without allowed_origin: Access-Control-Allow-Origin = %q", got)
	}
}
