package request

import (
	"encoding/json"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
)

// applicationURLCases are scheme, Host and what webob's
// application_url makes of them (with script name /v2.0).
var applicationURLCases = [][3]string{
	{"https", "api.example.com:443", "https://api.example.com/v2.0"},
	{"http", "api.example.com:80", "http://api.example.com/v2.0"},
	{"https", "api.example.com:80", "https://api.example.com:80/v2.0"},
	{"http", "api.example.com:443", "http://api.example.com:443/v2.0"},
	{"https", "api.example.com:8443", "https://api.example.com:8443/v2.0"},
	{"https", "api.example.com", "https://api.example.com/v2.0"},
	{"http", "api.example.com:", "http://api.example.com/v2.0"},
	{"https", "[2001:db8::1]:443", "https://[2001:db8::1]/v2.0"},
	{"https", "[2001:db8::1]", "https://[2001:db8::1]/v2.0"},
	{"http", "[2001:db8::1]:9696", "http://[2001:db8::1]:9696/v2.0"},
	{"http", "192.0.2.1:80", "http://192.0.2.1/v2.0"},
}

func TestApplicationURLDefaultPorts(t *testing.T) {
	for _, c := range applicationURLCases {
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.Scheme, r.Host = c[0], c[1]
		r = WithScriptName(r, "/v2.0")
		if got := ApplicationURL(r); got != c[2] {
			t.Errorf("%s with Host %s: %s, want %s", c[0], c[1], got, c[2])
		}
	}
}

// TestApplicationURLAgainstWebob checks the table above against the real
// webob (Debian's python3-webob), when it is installed.
func TestApplicationURLAgainstWebob(t *testing.T) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import webob").Run(); err != nil {
		t.Skipf("skipped: %s cannot import webob (apt-get install python3-webob; .ci/run does): %v", python, err)
	}
	in, _ := json.Marshal(applicationURLCases)
	script := `
import json, sys, webob
for scheme, host, _ in json.load(sys.stdin):
    r = webob.Request.blank('/x', environ={'wsgi.url_scheme': scheme, 'HTTP_HOST': host, 'SCRIPT_NAME': '/v2.0'})
    print(r.application_url)
`
	cmd := exec.Command(python, "-c", script)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("webob: %v\n%s", err, out)
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, c := range applicationURLCases {
		if i >= len(got) || got[i] != c[2] {
			t.Errorf("%s with Host %s: webob says %q, the table %q", c[0], c[1], got[i], c[2])
		}
	}
}
