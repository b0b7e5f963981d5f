package filters

import (
	"encoding/json"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
)

type fixedBackend healthResult

func (b fixedBackend) check(int) healthResult { return healthResult(b) }

// healthBodyCases are the reasons of some backends.
var healthBodyCases = [][]string{
	{},
	{"OK"},
	{"A<b & 'c'", "", "B"},
	{"DISABLED BY FILE", "OK"},
}

// healthBodies renders the text/plain and text/html bodies for reasons.
func healthBodies(t *testing.T, reasons []string) (text, html string) {
	hc := &healthcheck{htmlTemplate: healthHTML}
	for _, r := range reasons {
		hc.backends = append(hc.backends, fixedBackend{Available: true, Reason: r, Class: "X"})
	}
	for _, accept := range []string{"text/plain", "text/html"} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept", accept)
		rec := httptest.NewRecorder()
		hc.serve(rec, r)
		if accept == "text/plain" {
			text = rec.Body.String()
		} else {
			html = rec.Body.String()
		}
	}
	return text, html
}

// TestHealthcheckBodiesAsOslo renders oslo.middleware's own templates
// (Debian's python3-oslo.middleware) with the same reasons and compares
// the bodies byte for byte.
func TestHealthcheckBodiesAsOslo(t *testing.T) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import oslo_middleware.healthcheck").Run(); err != nil {
		t.Skipf("skipped: %s cannot import oslo_middleware.healthcheck (apt-get install python3-oslo.middleware; .ci/run does): %v", python, err)
	}
	in, _ := json.Marshal(healthBodyCases)
	script := `
import json, sys
import oslo_middleware.healthcheck as h
out = []
for reasons in json.load(sys.stdin):
    results = [{'reason': r, 'class': 'X', 'details': ''} for r in reasons]
    text = h._expand_template(h.Healthcheck.PLAIN_RESPONSE_TEMPLATE, {'reasons': reasons, 'detailed': False}).strip()
    html = h._expand_template(h.Healthcheck.HTML_RESPONSE_TEMPLATE, {'results': results, 'detailed': False}).strip()
    out.append([text, html])
json.dump(out, sys.stdout)
`
	cmd := exec.Command(python, "-c", script)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("oslo: %v\n%s", err, out)
	}
	var want [][2]string
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for i, reasons := range healthBodyCases {
		text, html := healthBodies(t, reasons)
		if text != want[i][0] {
			t.Errorf("%q: text\n%q\noslo's\n%q", reasons, text, want[i][0])
		}
		if html != want[i][1] {
			t.Errorf("%q: html\n%q\noslo's\n%q", reasons, html, want[i][1])
		}
	}
}

// TestHealthcheckHeadNoContentType: oslo's 204 answer to HEAD has no
// Content-Type; its 503 has one.
func TestHealthcheckHeadNoContentType(t *testing.T) {
	hc := &healthcheck{htmlTemplate: healthHTML}
	rec := httptest.NewRecorder()
	hc.serve(rec, httptest.NewRequest("HEAD", "/", nil))
	if rec.Code != 204 || rec.Header().Get("Content-Type") != "" {
		t.Errorf("healthy HEAD: %d %v", rec.Code, rec.Header())
	}
	hc.backends = []healthBackend{fixedBackend{Available: false, Reason: "DISABLED BY FILE"}}
	rec = httptest.NewRecorder()
	hc.serve(rec, httptest.NewRequest("HEAD", "/", nil))
	if rec.Code != 503 || rec.Header().Get("Content-Type") != "text/plain; charset=UTF-8" {
		t.Errorf("unhealthy HEAD: %d %v", rec.Code, rec.Header())
	}
}
