// Package keystonetest starts a throw-away Keystone for integration tests
// (tokenauth's auth_token test, the server's nova acceptance test) and
// calls its API. The Keystone is Debian's keystone package on sqlite with
// fernet tokens, served by uwsgi on 127.0.0.1, as start.sh (beside this
// file) sets it up; this package runs that script and stops uwsgi by its
// pid.
package keystonetest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// AdminPassword is the password start.sh gives user admin (project
// admin, domain Default) unless KEYSTONE_ADMIN_PASSWORD says otherwise.
const AdminPassword = "s3cret"

// SkipUnlessInstalled skips t when keystone-manage or uwsgi is not on
// PATH, saying what to install; what names what the skipped test would
// have shown.
func SkipUnlessInstalled(t testing.TB, what string) {
	t.Helper()
	for _, cmd := range []string{"keystone-manage", "uwsgi"} {
		if _, err := exec.LookPath(cmd); err != nil {
			t.Skipf("%s is not on PATH, so %s is not tested against a real Keystone; "+
				"apt-get install -y --no-install-recommends keystone uwsgi-plugin-python3 to run this test", cmd, what)
		}
	}
}

// Keystone is a Keystone started by start.sh.
type Keystone struct {
	URL string // the v3 root, http://127.0.0.1:PORT/v3
	pid int
	dir string
}

// script is start.sh's path, found from this file's: the tests that use
// the package run from their own directories.
func script() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "start.sh")
}

// Start runs start.sh in a temporary directory and returns the running
// Keystone, stopped when t ends. It fails t when the script does (it
// waits at most three minutes).
func Start(t testing.TB) *Keystone {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "/bin/sh", script(), dir)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	ks := &Keystone{dir: dir}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "KEYSTONE_URL":
			ks.URL = v
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
		t.Cleanup(func() { ks.Stop(t) })
	}
	if err != nil || ks.URL == "" || ks.pid == 0 {
		t.Fatalf("start.sh: %v\n%s%s", err, out, stderr.String())
	}
	t.Logf("Keystone %s, uwsgi pid %d, in %s", ks.URL, ks.pid, dir)
	return ks
}

// Stop sends SIGTERM to uwsgi's master and waits, at most 20 s, for it
// to be gone; then it kills it. Stopping twice does nothing.
func (ks *Keystone) Stop(t testing.TB) {
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

// API calls Keystone's API with token and returns the status, headers
// and decoded body.
func (ks *Keystone) API(t testing.TB, method, path, token string, body any, headers ...string) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, ks.URL+path, rd)
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

// Password returns a project-scoped token for user (domain Default).
func (ks *Keystone) Password(t testing.TB, user, password, project string) string {
	t.Helper()
	status, h, body := ks.API(t, "POST", "/auth/tokens", "", map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{
			"user": map[string]any{"name": user, "domain": map[string]string{"id": "default"}, "password": password}}},
		"scope": map[string]any{"project": map[string]any{"name": project, "domain": map[string]string{"id": "default"}}},
	}})
	if status != 201 || h.Get("X-Subject-Token") == "" {
		t.Fatalf("token for %s: %d %v", user, status, body)
	}
	return h.Get("X-Subject-Token")
}

// Create POSTs /v3/<kind> and returns the new object's id.
func (ks *Keystone) Create(t testing.TB, token, kind string, obj map[string]any) string {
	t.Helper()
	single := strings.TrimSuffix(kind, "s")
	status, _, body := ks.API(t, "POST", "/"+kind, token, map[string]any{single: obj})
	o, _ := body[single].(map[string]any)
	id, _ := o["id"].(string)
	if status != 201 || id == "" {
		t.Fatalf("create %s %v: %d %v", single, obj["name"], status, body)
	}
	return id
}

// EnsureRole returns the id of role name, creating it when Keystone's
// bootstrap did not (service is not among its roles before 2023.2).
func (ks *Keystone) EnsureRole(t testing.TB, token, name string) string {
	t.Helper()
	_, _, body := ks.API(t, "GET", "/roles?name="+name, token, nil)
	if roles, _ := body["roles"].([]any); len(roles) > 0 {
		id, _ := roles[0].(map[string]any)["id"].(string)
		return id
	}
	return ks.Create(t, token, "roles", map[string]any{"name": name})
}

// Assign gives user role on project.
func (ks *Keystone) Assign(t testing.TB, token, project, user, role string) {
	t.Helper()
	if status, _, body := ks.API(t, "PUT", "/projects/"+project+"/users/"+user+"/roles/"+role, token, nil); status != 204 {
		t.Fatalf("assign role: %d %v", status, body)
	}
}

// Revoke revokes the token subject.
func (ks *Keystone) Revoke(t testing.TB, token, subject string) {
	t.Helper()
	if status, _, body := ks.API(t, "DELETE", "/auth/tokens", token, nil, "X-Subject-Token", subject); status != 204 {
		t.Fatalf("revoke: %d %v", status, body)
	}
}
