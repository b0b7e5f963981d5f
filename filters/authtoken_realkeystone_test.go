package filters

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pasteserve/pasteserve/loader"
)

// TestAuthTokenRealKeystone runs auth_token against a real Keystone
// (Debian's keystone package, sqlite, fernet tokens, served by uwsgi on
// 127.0.0.1), started by testdata/keystone/start.sh and stopped by its
// PID. It skips when keystone-manage or uwsgi is missing.
func TestAuthTokenRealKeystone(t *testing.T) {
	for _, cmd := range []string{"keystone-manage", "uwsgi"} {
		if _, err := exec.LookPath(cmd); err != nil {
			t.Skipf("%s is not on PATH, so auth_token is not tested against a real Keystone; "+
				"apt-get install -y --no-install-recommends keystone uwsgi-plugin-python3 to run this test", cmd)
		}
	}
	ks := startKeystone(t)
	admin := ks.password(t, "admin", "s3cret", "admin")

	// A service user as a deployment has one (role service in project
	// service), and a user of a demo project.
	serviceRole := ks.ensureRole(t, admin, "service")
	memberRole := ks.ensureRole(t, admin, "member")
	serviceProject := ks.create(t, admin, "projects", map[string]any{"name": "service", "domain_id": "default"})
	demoProject := ks.create(t, admin, "projects", map[string]any{"name": "demo", "domain_id": "default"})
	svcUser := ks.create(t, admin, "users", map[string]any{"name": "pasteserve", "password": "svc-s3cret", "domain_id": "default"})
	alice := ks.create(t, admin, "users", map[string]any{"name": "alice", "password": "alice-s3cret", "domain_id": "default"})
	ks.assign(t, admin, serviceProject, svcUser, serviceRole)
	ks.assign(t, admin, demoProject, alice, memberRole)

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
www_authenticate_uri = ` + ks.url + `
auth_url = ` + ks.url + `
auth_type = password
username = pasteserve
password = svc-s3cret
user_domain_name = Default
project_name = service
project_domain_name = Default
http_request_max_retries = 1
http_connect_timeout = 10
` + strings.Join(extra, "\n") + "\n"
		r := &loader.Resolver{Registry: loader.Default}
		n, err := r.Resolve(pasteFile(t, src), name, loader.TypeApp, nil)
		if err != nil {
			t.Fatal(err)
		}
		h, err := loader.Build(n, loader.Default)
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

	aliceToken := ks.password(t, "alice", "alice-s3cret", "demo")
	svcToken := ks.password(t, "pasteserve", "svc-s3cret", "service")

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
		if !isRequestID(resp.Header.Get("X-Openstack-Request-Id")) {
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
			if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Keystone uri="`+ks.url+`"` {
				t.Errorf("%s: %d %v %s", name, resp.StatusCode, resp.Header, body)
			}
		}
		t.Logf("invalid token: 401, WWW-Authenticate: %s", `Keystone uri="`+ks.url+`"`)
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
		tok := ks.password(t, "alice", "alice-s3cret", "demo")
		for _, srv := range []string{cached.URL, uncached.URL} {
			if resp, _ := call(t, srv, "X-Auth-Token", tok); resp.StatusCode != 200 {
				t.Fatalf("before revocation: %d", resp.StatusCode)
			}
		}
		ks.revoke(t, admin, tok)
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
		other := ks.password(t, "alice", "alice-s3cret", "demo")
		ks.stop(t)
		resp, body := call(t, uncached.URL, "X-Auth-Token", other)
		var f fault
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

// keystone is a Keystone started by testdata/keystone/start.sh.
type keystone struct {
	url string // the v3 root
	pid int
	dir string
}

func startKeystone(t *testing.T) *keystone {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "/bin/sh", "testdata/keystone/start.sh", dir)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	ks := &keystone{dir: dir}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "KEYSTONE_URL":
			ks.url = v
		case "KEYSTONE_PID":
			ks.pid, _ = strconv.Atoi(v)
		}
	}
	if ks.pid == 0 {
		// The script failed or timed out after starting uwsgi: its pid
		// is in the directory.
		if b, err := os.ReadFile(filepath.Join(dir, "uwsgi.pid")); err == nil {
			ks.pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
	}
	if ks.pid > 0 {
		t.Cleanup(func() { ks.stop(t) })
	}
	if err != nil || ks.url == "" || ks.pid == 0 {
		t.Fatalf("start.sh: %v\n%s%s", err, out, stderr.String())
	}
	t.Logf("Keystone %s, uwsgi pid %d, in %s", ks.url, ks.pid, dir)
	return ks
}

// stop sends SIGTERM to uwsgi's master and waits, at most 20 s, for it
// to be gone.
func (ks *keystone) stop(t *testing.T) {
	if ks.pid == 0 {
		return
	}
	pid := ks.pid
	ks.pid = 0
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if !alive(pid) {
			return
		}
	}
	t.Errorf("uwsgi %d still running 20 s after SIGTERM; killing it", pid)
	syscall.Kill(pid, syscall.SIGKILL)
}

// alive reports whether pid runs; a zombie (exited, not yet reaped by
// its new parent) does not.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z") && !strings.HasPrefix(rest, "X")
}

// api calls Keystone's API with token and returns the status and the
// decoded body.
func (ks *keystone) api(t *testing.T, method, path, token string, body any, headers ...string) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, ks.url+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	// uwsgi's http-socket closes connections Go would keep alive, and
	// a POST is not sent again on a closed one.
	req.Close = true
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("%s %s: %d: %v", method, path, resp.StatusCode, err)
	}
	return resp.StatusCode, resp.Header, out
}

// password returns a project-scoped token for user.
func (ks *keystone) password(t *testing.T, user, password, project string) string {
	t.Helper()
	status, h, body := ks.api(t, "POST", "/auth/tokens", "", map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{
			"user": map[string]any{"name": user, "domain": map[string]string{"id": "default"}, "password": password}}},
		"scope": map[string]any{"project": map[string]any{"name": project, "domain": map[string]string{"id": "default"}}},
	}})
	if status != 201 || h.Get("X-Subject-Token") == "" {
		t.Fatalf("token for %s: %d %v", user, status, body)
	}
	return h.Get("X-Subject-Token")
}

// create POSTs /v3/<kind> and returns the new object's id.
func (ks *keystone) create(t *testing.T, token, kind string, obj map[string]any) string {
	t.Helper()
	single := strings.TrimSuffix(kind, "s")
	status, _, body := ks.api(t, "POST", "/"+kind, token, map[string]any{single: obj})
	o, _ := body[single].(map[string]any)
	id, _ := o["id"].(string)
	if status != 201 || id == "" {
		t.Fatalf("create %s %v: %d %v", single, obj["name"], status, body)
	}
	return id
}

// ensureRole returns the id of role name, creating it when Keystone's
// bootstrap did not (service is not among its roles before 2023.2).
func (ks *keystone) ensureRole(t *testing.T, token, name string) string {
	t.Helper()
	_, _, body := ks.api(t, "GET", "/roles?name="+name, token, nil)
	if roles, _ := body["roles"].([]any); len(roles) > 0 {
		id, _ := roles[0].(map[string]any)["id"].(string)
		return id
	}
	return ks.create(t, token, "roles", map[string]any{"name": name})
}

func (ks *keystone) assign(t *testing.T, token, project, user, role string) {
	t.Helper()
	if status, _, body := ks.api(t, "PUT", "/projects/"+project+"/users/"+user+"/roles/"+role, token, nil); status != 204 {
		t.Fatalf("assign role: %d %v", status, body)
	}
}

func (ks *keystone) revoke(t *testing.T, token, subject string) {
	t.Helper()
	if status, _, body := ks.api(t, "DELETE", "/auth/tokens", token, nil, "X-Subject-Token", subject); status != 204 {
		t.Fatalf("revoke: %d %v", status, body)
	}
}
