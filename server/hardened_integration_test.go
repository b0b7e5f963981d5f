package server_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The hardening of deploy/systemd/pasteserve.service leaves pasteserve
// --python serving. systemd does not run here, so the test applies what
// of it Linux gives without systemd, around the real binary and its
// gunicorn workers: a mount namespace whose root is read-only
// (ProtectSystem=strict) with a private writable tmpfs as TMPDIR
// (PrivateTmp), an unprivileged user (User=), no capabilities
// (CapabilityBoundingSet=, AmbientCapabilities=) and no_new_privs
// (NoNewPrivileges). The system call filter and the other Protect*
// settings are not applied; systemd-analyze verifies them
// (internal/deploycheck).
func TestPythonRunsHardened(t *testing.T) {
	skipWithoutPython(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root, to make a mount namespace and drop to an unprivileged user")
	}
	for _, tool := range []string{"unshare", "setpriv"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (Debian package util-linux)", tool)
		}
	}
	if out, err := exec.Command("unshare", "-m", "true").CombinedOutput(); err != nil {
		t.Skipf("cannot make a mount namespace here: %v %s", err, out)
	}
	dir := pythonDir(t)
	// The unprivileged user reads the files, the binary included (the
	// test binary's own directory is root's alone).
	for _, d := range []string{filepath.Dir(dir), dir} {
		os.Chmod(d, 0o755)
	}
	bin := filepath.Join(dir, "pasteserve")
	b, err := os.ReadFile(testbin)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(bin, b, 0o755)
	os.Mkdir(filepath.Join(dir, "tmp"), 0o755)
	wrapper := filepath.Join(dir, "hardened.sh")
	os.WriteFile(wrapper, []byte(`#!/bin/sh
# Runs pasteserve ("$@") as systemd's hardening would, roughly; see
# TestPythonRunsHardened.
exec unshare -m sh -c '
  set -e
  mount --make-rprivate /
  mount -t tmpfs -o mode=1777,size=64m tmpfs "$0/tmp"
  mount --bind / /
  mount -o remount,bind,ro /
  touch /usr/pasteserve-hardened-test 2>/dev/null && { echo "the root is writable" >&2; exit 1; }
  exec setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs --bounding-set=-all --inh-caps=-all \
    env TMPDIR="$0/tmp" PYTHONDONTWRITEBYTECODE=1 "$0/pasteserve" "$@"
' "`+dir+`" "$@"
`), 0o755)
	saved := testbin
	testbin = wrapper
	defer func() { testbin = saved }()
	all := map[string]string{"api.ini": pyPaste, "svc.conf": pyConf}
	p := launchIn(t, dir, all, []string{"PYTHONPATH=" + filepath.Join(dir, "py")}, "--python", "/usr/bin/python3", "--config-file", "svc.conf")
	if err := p.waitFor("listening", 60*time.Second); err != nil {
		t.Fatalf("pasteserve --python did not start hardened: %v\n%s", err, p.logText())
	}
	if code, body, _ := get(t, p.url("/v1/things")); code != 200 || !strings.Contains(body, "SCRIPT_NAME") {
		t.Errorf("GET /v1/things (Python) = %d %q\n%s", code, body, p.eventsText())
	}
	if code, body, _ := get(t, p.url("/")); code != 200 || !strings.HasPrefix(body, "hello ") {
		t.Errorf("GET / (Go) = %d %q", code, body)
	}
	// Every exec keeps the pid: the process is pasteserve, as the
	// unprivileged user, with no_new_privs and no capabilities.
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Uid:\t65534\t65534\t65534\t65534", "NoNewPrivs:\t1", "CapBnd:\t0000000000000000", "CapEff:\t0000000000000000"} {
		if !strings.Contains(string(status), want) {
			t.Errorf("pasteserve's /proc status has no %q:\n%s", want, status)
		}
	}
	if !p.logContains("python pool ready", 5*time.Second) {
		t.Errorf("no python pool ready line:\n%s", p.eventsText())
	}
}
