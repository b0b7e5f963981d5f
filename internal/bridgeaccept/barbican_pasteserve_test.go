package bridgeaccept

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// keystonemiddlewareReject is the body keystonemiddleware's auth_token
// (and Go's, which answers as it does) sends with a 401.
const keystonemiddlewareReject = `{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`

// barbicanUnderPasteserve is the acceptance test of issue 13: the
// unchanged barbican-api-paste.ini served by pasteserve --python, with
// Go's auth_token (configured from barbican.conf's [keystone_authtoken],
// given as --config-file) in front of Barbican's own Python tail
// (context, microversion, apiapp), and the real client storing a secret
// and reading it back through it. ref is what plain gunicorn answered.
func barbicanUnderPasteserve(t *testing.T, ks *barbicanKeystone, ref barbicanRun) {
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	home := barbicanHome(t, base, ks.URL)
	// Barbican reads its configuration at import, from HOME
	// (real-barbican.md §3): the init imports barbican.common.config
	// with HOME pointing at barbican.conf's directory.
	pyConf := filepath.Join(home, "pasteserve.conf")
	if err := os.WriteFile(pyConf, []byte("[python]\nenv = HOME="+home+" PYTHONWARNINGS=ignore\ninit = barbican.common.config\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--paste", barbicanPaste, "--python", python,
		"--config-file", filepath.Join(home, "barbican.conf"), "--config-file", pyConf}
	start := time.Now()
	// Its own working directory: Barbican's default sql_connection is
	// sqlite:///barbican.sqlite, relative, so a run that missed
	// barbican.conf would otherwise find home's database anyway.
	p := run(t, "pasteserve", t.TempDir(), nil, append([]string{pasteserve}, append(args, "--bind", fmt.Sprintf("127.0.0.1:%d", port))...)...)
	waitHTTP(t, p, base+"/healthcheck", 200, 90*time.Second)
	loaded := time.Since(start)
	t.Logf("pasteserve --python answered /healthcheck after %s (gunicorn --paste: %s)",
		loaded.Round(100*time.Millisecond), ref.loadTime.Round(100*time.Millisecond))
	defer func() {
		if t.Failed() {
			t.Logf("pasteserve's log:\n%s", tail(p.output(), 100))
		}
	}()

	// /: Barbican's own versions document, from Python (gunicorn's
	// Server header came through the bridge), as gunicorn alone gave it.
	root := do(t, "GET", base+"/", nil)
	if root.status != 300 {
		t.Errorf("GET / = %d %s, want 300", root.status, root.body)
	} else if err := versionsDoc(root.body, base); err != nil {
		t.Errorf("GET /: %v", err)
	}
	if ref.ok {
		if got, want := root.body, strings.ReplaceAll(ref.root.body, refBase(ref), base); got != want {
			t.Errorf("GET / differs from gunicorn's:\n got %s\nwant %s", got, want)
		}
	}
	if !strings.HasPrefix(root.header.Get("Server"), "gunicorn") || root.header.Get("Openstack-Api-Version") != "key-manager 1.0" {
		t.Errorf("GET /: headers %v, want gunicorn's Server and microversion's OpenStack-API-Version (Python's answer)", root.header)
	}

	// /healthcheck: from Go (no gunicorn in the answer).
	hc := do(t, "GET", base+"/healthcheck", nil)
	if hc.status != 200 || hc.body != "OK" || hc.header.Get("Server") != "" {
		t.Errorf("GET /healthcheck = %d %v %q, want Go's 200 OK", hc.status, hc.header, hc.body)
	}

	// Without a token, with a bogus one, and with identity headers a
	// client made up: 401 from Go's auth_token. Barbican logs every
	// request its context filter sees ("Processed request: ... URL"),
	// so a probe that Python saw would be in barbican-api.log.
	probe := make([]byte, 8)
	rand.Read(probe)
	unseen := "probe=" + hex.EncodeToString(probe)
	for name, hdr := range map[string][]string{
		"no token":  nil,
		"bad token": {"X-Auth-Token", "gAAAAABnot-a-token"},
		"forged identity": {"X-Identity-Status", "Confirmed", "X-Roles", "admin", "X-Project-Id", ks.demoProject,
			"X-User-Id", ks.demoUser, "X-Service-Roles", "service"},
	} {
		r := do(t, "GET", base+"/v1/secrets?"+unseen, nil, hdr...)
		if r.status != 401 || r.body != keystonemiddlewareReject || r.header.Get("WWW-Authenticate") != `Keystone uri="`+ks.URL+`"` ||
			r.header.Get("Server") != "" {
			t.Errorf("%s: GET /v1/secrets = %d %v %s, want Go's 401", name, r.status, r.header, r.body)
		}
	}

	// The real client, both ways: python3-barbicanclient on a
	// keystoneauth session, and the openstack CLI (which finds Barbican
	// in Keystone's catalog).
	c := barbicanClient(t, ks, base, "pasteserve-secret")
	if c.Payload != "pasteserve-secret" || !strings.HasPrefix(c.Ref, base+"/v1/secrets/") || c.Listed != 1 {
		t.Errorf("python3-barbicanclient through pasteserve: %+v", c)
	}
	ks.catalog(t, base)
	href, ok := openstackCLI(t, ks, "demo", "demopass", "secret", "store", "--name", "cli", "--payload", "from-the-cli", "-f", "value", "-c", "Secret href")
	href = lastLine(href)
	if !ok || !strings.HasPrefix(href, base+"/v1/secrets/") {
		t.Fatalf("openstack secret store: %s", href)
	}
	if out, ok := openstackCLI(t, ks, "demo", "demopass", "secret", "get", href, "--payload", "-f", "value"); !ok || lastLine(out) != "from-the-cli" {
		t.Errorf("openstack secret get --payload: %s", out)
	}
	// Zed's default policy, applied by the Python tail to the roles Go's
	// auth_token set: member may not store.
	if out, ok := openstackCLI(t, ks, "demomember", "memberpass", "secret", "store", "--name", "m", "--payload", "z"); ok ||
		!strings.Contains(out, "Forbidden") {
		t.Errorf("openstack secret store as a member: %v %s, want Forbidden", ok, out)
	}

	// Barbican's log: every request the client made went through its
	// Python tail; none of the 401 probes did.
	log, _ := os.ReadFile(filepath.Join(home, "barbican-api.log"))
	if n := strings.Count(string(log), "Processed request: 201 Created - POST "+base+"/v1/secrets"); n < 2 {
		t.Errorf("barbican-api.log has %d stores through pasteserve, want 2 or more:\n%s", n, tail(string(log), 20))
	}
	if strings.Contains(string(log), unseen) {
		t.Errorf("barbican-api.log has the 401 probe %s: Python saw a request Go's auth_token refused", unseen)
	}
	seen := "probe=seen" + hex.EncodeToString(probe)
	token := ks.Password(t, "demo", "demopass", "demo")
	if r := do(t, "GET", base+"/v1/secrets?"+seen, nil, "X-Auth-Token", token); r.status != 200 {
		t.Errorf("GET /v1/secrets with demo's token = %d %s", r.status, r.body)
	}
	if !eventually(func() bool {
		log, _ := os.ReadFile(filepath.Join(home, "barbican-api.log"))
		return strings.Contains(string(log), seen)
	}, 5*time.Second) {
		t.Errorf("barbican-api.log does not have the request with a token (%s): the probe check above proves nothing", seen)
	}

	// graph: where each element of the keystone pipeline runs.
	out := command(t, time.Minute, home, []string{"HOME=" + home}, append([]string{pasteserve, "graph"}, args...)...)
	for _, re := range []string{
		`(?m)^\[composite:main\] .*\[Go`,
		`(?m)\[pipeline:barbican-api-keystone\] .*\[Go, then Python\]`,
		`(?m)\[filter:cors\] .*\[Go\]`,
		`(?m)\[filter:http_proxy_to_wsgi\] .*\[Go\]`,
		`(?m)\[filter:authtoken\] .*\[Go\]`,
		`(?m)\[filter:context\] .*\[Python\]`,
		`(?m)\[filter:microversion\] .*\[Python\]`,
		`(?m)\[app:apiapp\] .*\[Python\]`,
		`(?m)\[app:versionapp\] .*\[Python\]`,
		`(?m)\[app:healthcheck\] .*\[Go\]`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("pasteserve graph: no line matching %s:\n%s", re, out)
		}
	}
	t.Logf("pasteserve graph:\n%s", out)
}

// refBase is the base URL of the reference run's links.
func refBase(ref barbicanRun) string {
	m := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(ref.root.body)
	return m
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
