package server_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These tests serve a paste file whose pipeline ends in Python: Go's
// urlmap, request_id and http_proxy_to_wsgi in front, then a Python
// filter and a Python app (testdata/python: the pswire package, with a
// dist-info and entry points, found on PYTHONPATH or [python] path),
// which the real gunicorn runs under the binary's --python.

// skipWithoutPython skips t unless Debian's python3 has gunicorn and
// PasteDeploy.
func skipWithoutPython(t *testing.T) {
	t.Helper()
	if out, err := exec.Command("/usr/bin/python3", "-c", "import gunicorn, paste.deploy").CombinedOutput(); err != nil {
		t.Skipf("--python is not tested: /usr/bin/python3 cannot import gunicorn and paste.deploy (apt-get install python3 gunicorn python3-pastedeploy): %v %s", err, out)
	}
}

// pyPaste is the paste file: / is a Go app, /v1 a pipeline that Go
// splits at wirefilter, the first element with no Go factory. delay is
// pasteserve's own (egg:pasteserve#test-delay), which Python has no
// original of: it runs in Go, in front of the split, and Python never
// resolves it.
const pyPaste = `[composite:main]
use = egg:Paste#urlmap
/ = hello
/v1 = api

[pipeline:api]
pipeline = request_id http_proxy_to_wsgi delay wirefilter pyapp

[filter:delay]
use = egg:pasteserve#test-delay

[filter:request_id]
paste.filter_factory = oslo_middleware:RequestId.factory

[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware:HTTPProxyToWSGI.factory
enable_proxy_headers_parsing = true

[filter:wirefilter]
use = egg:pswire#filter
tag = f1

[app:pyapp]
use = egg:pswire#main
greeting = hi
` + apps + local

// pyConf keeps the Python pool small: the machine is shared.
const pyConf = "[python]\nworkers = 1\nthreads = 4\n"

// pythonDir returns a new directory with the pswire package in py/, a
// copy that a test may edit.
func pythonDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := filepath.WalkDir("testdata/python", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/python", path)
		if strings.Contains(path, "__pycache__") {
			return nil
		}
		to := filepath.Join(dir, "py", rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// startPython serves pyPaste (or files' api.ini) from a pythonDir with
// --python, the pool sized by pyConf, and waits until it listens.
func startPython(t *testing.T, files map[string]string, env []string, args ...string) *proc {
	t.Helper()
	skipWithoutPython(t)
	all := map[string]string{"api.ini": pyPaste, "svc.conf": pyConf}
	for k, v := range files {
		all[k] = v
	}
	dir := pythonDir(t)
	if env == nil {
		env = []string{"PYTHONPATH=" + filepath.Join(dir, "py")}
	}
	p := launchIn(t, dir, all, env, append([]string{"--python", "/usr/bin/python3", "--config-file", "svc.conf"}, args...)...)
	if err := p.waitFor("listening", 60*time.Second); err != nil {
		t.Fatalf("server did not start: %v\n%s", err, p.logText())
	}
	return p
}

// logLines returns the log lines with message msg.
func (p *proc) logLines(msg string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(p.logText(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["message"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// poolPid returns the pid of the gunicorn master of the n-th pool the
// log says is ready (0-based). The line may come after a worker's
// "listening": each process writes its log off the request path.
func (p *proc) poolPid(t *testing.T, n int) int {
	t.Helper()
	ready := p.logLines("python pool ready")
	for end := time.Now().Add(5 * time.Second); len(ready) <= n && time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		ready = p.logLines("python pool ready")
	}
	if len(ready) <= n {
		t.Fatalf("%d python pools ready, want %d:\n%s", len(ready), n+1, p.eventsText())
	}
	return int(ready[n]["pid"].(float64))
}

// procStat is what /proc/PID/stat says of a process's parent and group.
type procStat struct{ pid, ppid, pgrp int }

// processes lists the live processes (zombies aside).
func processes() []procStat {
	dirs, _ := os.ReadDir("/proc")
	var out []procStat
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + d.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		var state byte
		var ps procStat
		ps.pid = pid
		if _, err := fmt.Sscanf(s[i+1:], " %c %d %d", &state, &ps.ppid, &ps.pgrp); err != nil || state == 'Z' || state == 'X' {
			continue
		}
		out = append(out, ps)
	}
	return out
}

// leftBehind returns the processes in the process group of any of
// groups, or whose parent is one of parents.
func leftBehind(groups, parents []int) []procStat {
	var out []procStat
	for _, ps := range processes() {
		for _, g := range groups {
			if ps.pgrp == g {
				out = append(out, ps)
			}
		}
		for _, pp := range parents {
			if ps.ppid == pp {
				out = append(out, ps)
			}
		}
	}
	return out
}

// noProcessLeft fails t unless, within timeout, no process is left in
// the groups or below the parents.
func noProcessLeft(t *testing.T, timeout time.Duration, groups, parents []int) {
	t.Helper()
	var left []procStat
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if left = leftBehind(groups, parents); len(left) == 0 {
			return
		}
	}
	t.Errorf("processes left after %s (pid, ppid, pgrp): %v", timeout, left)
}

// rawRequest sends one request on a new connection with the extra header
// lines, and returns the response, its body and the client's port.
func rawRequest(t *testing.T, addr, path, headers string) (*http.Response, string, int) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: api.example.com\r\n%sConnection: close\r\n\r\n", path, headers)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body), conn.LocalAddr().(*net.TCPAddr).Port
}

// report is what pswire's app answers with.
type report struct {
	Version        string            `json:"version"`
	Local          map[string]string `json:"local"`
	Global         map[string]string `json:"global"`
	Chain          []string          `json:"chain"`
	Environ        map[string]string `json:"environ"`
	PasteserveKeys []string          `json:"pasteserve_keys"`
}

// The paste file is served end to end: Go's urlmap, request_id and
// http_proxy_to_wsgi in front, the Python filter and app behind, with
// the environ Go knows (the script name Go's urlmap split, the scheme
// after http_proxy_to_wsgi, the real client's address and port, Go's
// request id) and nothing a client forged. A Python exception is a 500
// without its traceback, which goes to the log once with the request
// id. The pool is ready before the server listens, and SIGTERM leaves
// no process behind.
func TestPythonServesEndToEnd(t *testing.T) {
	p := startPython(t, nil, nil)
	ready, listening := strings.Index(p.logText(), `"message":"python pool ready"`), strings.Index(p.logText(), `"message":"listening"`)
	if ready < 0 || listening < ready {
		t.Errorf("the pool is not ready before the server listens:\n%s", p.eventsText())
	}
	pool := p.poolPid(t, 0)

	resp, body, port := rawRequest(t, p.addr, "/v1/things?x=1", "X-Forwarded-Proto: https\r\nX-Pasteserve-Wsgi: forged.forged\r\nx-pasteserve-other: forged\r\n")
	var r report
	if err := json.Unmarshal([]byte(body), &r); resp.StatusCode != 200 || err != nil {
		t.Fatalf("GET /v1/things: %d %q (%v)\n%s", resp.StatusCode, body, err, p.eventsText())
	}
	id := resp.Header.Get("X-Openstack-Request-Id")
	want := map[string]string{
		"SCRIPT_NAME": "/v1", "PATH_INFO": "/things", "QUERY_STRING": "x=1", "wsgi.url_scheme": "https",
		"HTTP_HOST": "api.example.com", "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": strconv.Itoa(port),
		"openstack.request_id": id, "HTTP_X_FORWARDED_PROTO": "https",
	}
	for k, v := range want {
		if r.Environ[k] != v {
			t.Errorf("environ %s = %q, want %q", k, r.Environ[k], v)
		}
	}
	if !strings.HasPrefix(id, "req-") || fmt.Sprint(r.Chain) != "[f1]" || len(r.PasteserveKeys) != 0 || r.Local["greeting"] != "hi" {
		t.Errorf("request id %q, report %+v", id, r)
	}

	if code, body, _ := get(t, p.url("/")); code != 200 || !strings.HasPrefix(body, "hello ") {
		t.Errorf("GET / (Go) = %d %q", code, body)
	}

	resp, body, _ = rawRequest(t, p.addr, "/v1/raise", "")
	id = resp.Header.Get("X-Openstack-Request-Id")
	if resp.StatusCode != 500 || strings.Contains(body, "Traceback") || strings.Contains(body, "pswire") {
		t.Errorf("GET /v1/raise = %d %q: want a 500 without Python's traceback", resp.StatusCode, body)
	}
	if !p.logContains(`"request_id":"`+id+`"`, 5*time.Second) || !p.logContains("RuntimeError: pswire: raised on purpose", 5*time.Second) {
		t.Errorf("the traceback is not logged with the request id %s:\n%s", id, p.eventsText())
	}
	time.Sleep(200 * time.Millisecond) // a second copy would follow at once
	if n := strings.Count(p.logText(), "RuntimeError: pswire: raised on purpose"); n != 1 {
		t.Errorf("the traceback is logged %d times, want once:\n%s", n, p.eventsText())
	}

	p.signal(syscall.SIGTERM)
	if err := p.wait(30 * time.Second); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, p.eventsText())
	}
	if strings.Index(p.logText(), `"message":"stopped"`) > strings.Index(p.logText(), `"message":"python pool stopped"`) {
		t.Errorf("the pool stopped before Go had drained:\n%s", p.eventsText())
	}
	noProcessLeft(t, 5*time.Second, []int{pool}, []int{p.cmd.Process.Pid})
}

// selectorPaste is nova's shape: a urlmap in front of a pipeline
// selector (nova's, registered in Go) whose keystone pipeline is
// inline, Go's filters first (delay only Go has), then a Python filter
// and the Python app.
const selectorPaste = `[composite:main]
use = egg:Paste#urlmap
/ = hello
/v2.1 = compute

[composite:compute]
use = call:nova.api.auth:pipeline_factory_v21
set chosen = by-compute
noauth2 = wirefilter pyapp
keystone = request_id http_proxy_to_wsgi delay wirefilter pyapp

[filter:delay]
use = egg:pasteserve#test-delay

[filter:request_id]
paste.filter_factory = oslo_middleware:RequestId.factory

[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware:HTTPProxyToWSGI.factory
enable_proxy_headers_parsing = true

[filter:wirefilter]
use = egg:pswire#filter
tag = sel

[app:pyapp]
use = egg:pswire#main
greeting = hi
` + apps + local

// A pipeline selector's inline pipeline, with a Python filter before
// the Python app, is served end to end: Go's urlmap, selector,
// request_id, http_proxy_to_wsgi and its own delay in front, Python's
// filter and app behind, loaded by their names with no global_conf,
// as nova's selector loads them (nova itself is not installed: Python
// never resolves the selector, nor anything Go runs).
func TestPythonServesAnInlinePipeline(t *testing.T) {
	p := startPython(t, map[string]string{"api.ini": selectorPaste}, nil)
	resp, body, port := rawRequest(t, p.addr, "/v2.1/servers?delay_ms=1", "X-Forwarded-Proto: https\r\n")
	var r report
	if err := json.Unmarshal([]byte(body), &r); resp.StatusCode != 200 || err != nil {
		t.Fatalf("GET /v2.1/servers: %d %q (%v)\n%s", resp.StatusCode, body, err, p.eventsText())
	}
	id := resp.Header.Get("X-Openstack-Request-Id")
	want := map[string]string{
		"SCRIPT_NAME": "/v2.1", "PATH_INFO": "/servers", "wsgi.url_scheme": "https", "REMOTE_PORT": strconv.Itoa(port),
		"openstack.request_id": id,
	}
	for k, v := range want {
		if r.Environ[k] != v {
			t.Errorf("environ %s = %q, want %q", k, r.Environ[k], v)
		}
	}
	// The selector passes no global_conf: the app gets the file's
	// defaults, not the composite's set.
	wantGlobal := map[string]string{"here": p.dir, "__file__": filepath.Join(p.dir, "api.ini")}
	if !strings.HasPrefix(id, "req-") || fmt.Sprint(r.Chain) != "[sel]" || r.Local["greeting"] != "hi" || fmt.Sprint(r.Global) != fmt.Sprint(wantGlobal) {
		t.Errorf("request id %q, chain %v, local %v, global %v (want %v)", id, r.Chain, r.Local, r.Global, wantGlobal)
	}
	if code, body, _ := get(t, p.url("/")); code != 200 || !strings.HasPrefix(body, "hello ") {
		t.Errorf("GET / (Go) = %d %q", code, body)
	}
}

// A pipeline element with no Go factory is an error without --python,
// and the error says how to run it in Python.
func TestPythonPartWithoutPythonIsAnError(t *testing.T) {
	p := launch(t, map[string]string{"api.ini": pyPaste})
	if err := p.wait(20 * time.Second); err == nil {
		t.Fatal("started without --python")
	}
	if !strings.Contains(p.logText(), "[filter:wirefilter]: no factory is registered for egg:pswire#filter") ||
		!strings.Contains(p.logText(), "; to run it in Python, give --python /usr/bin/python3 (docs/python.md)") {
		t.Errorf("error:\n%s", p.logText())
	}
}

// setVersion writes pswire's version module in p's directory.
func setVersion(t *testing.T, dir, src string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "py", "pswire", "version.py"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// SIGHUP under load from clients that do not retry: no request fails,
// requests are answered by the old Python code, then by the new, and the
// old pool is stopped once nothing uses it: not even a request that is
// still in the old Go filters, on its way to the old pool.
func TestPythonSIGHUPUnderLoad(t *testing.T) {
	p := startPython(t, nil, nil)
	old := p.poolPid(t, 0)
	stop := make(chan struct{})
	load, wait := keepAliveClients(p.addr, "/v1/version", 4, 100000, stop, false)
	defer stopLoad(stop, wait)
	slow := make(chan string, 1)
	go func() {
		resp, err := client.Get(p.url("/v1/version?delay_ms=4000"))
		if err != nil {
			slow <- err.Error()
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		slow <- fmt.Sprint(resp.StatusCode, " ", string(body))
	}()
	if !load.seen("pswire-1", 20, 30*time.Second) {
		t.Fatalf("the old Python code did not answer under load: %s", load.summary())
	}
	time.Sleep(300 * time.Millisecond) // the slow request reaches the old pool
	setVersion(t, p.dir, "VERSION = \"2\"\n")
	p.signal(syscall.SIGHUP)
	if err := p.waitFor("reloaded: new requests use the rebuilt pipeline", 60*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, p.eventsText())
	}
	if !load.seen("pswire-2", 20, 30*time.Second) {
		t.Errorf("the new Python code did not answer under load within 30 s")
	}
	close(stop)
	wait()
	if len(load.failures) != 0 || load.bodies["pswire-1"] == 0 || load.bodies["pswire-2"] == 0 {
		t.Errorf("under load across SIGHUP: %s", load.summary())
	}
	if r := <-slow; !strings.HasPrefix(r, "200 pswire-1 ") {
		t.Errorf("a request in the old Go filters during the reload: %s", r)
	}
	t.Logf("across SIGHUP: %s", load.summary())
	if _, body, _ := get(t, p.url("/v1/version")); !strings.HasPrefix(body, "pswire-2 ") {
		t.Errorf("after the reload: %q", body)
	}
	if !p.logContains("python pool of the previous configuration stopped", 30*time.Second) {
		t.Errorf("the old pool was not stopped:\n%s", p.eventsText())
	}
	noProcessLeft(t, 5*time.Second, []int{old}, nil)
}

// pyappLine is the position of [app:pyapp] in pyPaste.
func pyappLine() string {
	i := strings.Index(pyPaste, "[app:pyapp]")
	return fmt.Sprintf("api.ini:%d:1", strings.Count(pyPaste[:i], "\n")+1)
}

// A Python file broken at reload: the old Go and Python sides keep
// serving, the traceback is logged once, and the error is positioned
// at the section whose load failed. Broken at start, it fails the
// start with that error and leaves no process.
func TestPythonLoadError(t *testing.T) {
	p := startPython(t, nil, nil)
	setVersion(t, p.dir, "VERSION = (\n")
	p.signal(syscall.SIGHUP)
	if err := p.waitFor("reload failed; still serving the previous pipeline", 60*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, p.eventsText())
	}
	// The Python file's position follows the section's.
	want := pyappLine() + ": python: [app:pyapp]: SyntaxError: '(' was never closed (" + filepath.Join(p.dir, "py", "pswire", "version.py") + ":1:11)"
	if !strings.Contains(p.logText(), want) {
		t.Errorf("the reload error lacks %q:\n%s", want, p.eventsText())
	}
	if n := strings.Count(p.logText(), "Traceback (most recent call last)"); n != 1 {
		t.Errorf("the traceback is logged %d times, want once:\n%s", n, p.eventsText())
	}
	if !strings.Contains(p.logText(), `version.py\", line 1`) {
		t.Errorf("the traceback does not say where in the Python file:\n%s", p.eventsText())
	}
	if code, body, _ := get(t, p.url("/v1/version")); code != 200 || !strings.HasPrefix(body, "pswire-1 ") {
		t.Errorf("after a failed reload: %d %q", code, body)
	}
	if n := len(p.logLines("python pool ready")); n != 1 {
		t.Errorf("%d pools ready, want the first only", n)
	}

	skipWithoutPython(t)
	dir := pythonDir(t)
	setVersion(t, dir, "VERSION = (\n")
	q := launchIn(t, dir, map[string]string{"api.ini": pyPaste, "svc.conf": pyConf}, []string{"PYTHONPATH=" + filepath.Join(dir, "py")},
		"--python", "/usr/bin/python3", "--config-file", "svc.conf")
	if err := q.wait(60 * time.Second); err == nil {
		t.Fatalf("started with a broken Python file:\n%s", q.logText())
	}
	want = strings.Replace(want, p.dir, dir, 1)
	if !strings.Contains(q.logText(), want+"\n") || !strings.Contains(q.logText(), "| [app:pyapp]\n") {
		t.Errorf("the start error lacks %q with its source line:\n%s", want, q.logText())
	}
	noProcessLeft(t, 5*time.Second, nil, []int{q.cmd.Process.Pid})
}

// SIGKILL of pasteserve leaves no Python process (nor a Go worker)
// behind within a few seconds, in-process and with workers.
func TestPythonSIGKILLLeavesNothing(t *testing.T) {
	for _, workers := range []string{"0", "2"} {
		t.Run("workers="+workers, func(t *testing.T) {
			p := startPython(t, nil, nil, "--workers", workers)
			pool := p.poolPid(t, 0)
			if code, _, _ := get(t, p.url("/v1/version")); code != 200 {
				t.Fatalf("GET /v1/version = %d", code)
			}
			var goWorkers []int
			for _, ps := range processes() {
				if ps.ppid == p.cmd.Process.Pid && ps.pgrp != pool {
					goWorkers = append(goWorkers, ps.pid)
				}
			}
			p.signal(syscall.SIGKILL)
			p.wait(10 * time.Second)
			noProcessLeft(t, 5*time.Second, []int{pool}, append(goWorkers, p.cmd.Process.Pid))
		})
	}
}

// With --workers 2 there is one pool, the master's, which every worker
// reaches; SIGHUP replaces the pool and the workers, and SIGTERM leaves
// nothing behind.
func TestPythonWorkersShareOnePool(t *testing.T) {
	p := startPython(t, nil, nil, "--workers", "2")
	pool := p.poolPid(t, 0)
	if n := len(p.logLines("python pool ready")); n != 1 {
		t.Fatalf("%d pools, want 1:\n%s", n, p.eventsText())
	}
	goPids, pyPids := map[string]bool{}, map[string]bool{}
	for i := 0; i < 200 && (len(goPids) < 2 || len(pyPids) < 1); i++ {
		_, body, _ := rawRequest(t, p.addr, "/", "")
		for _, f := range strings.Fields(body) {
			if v, ok := strings.CutPrefix(f, "pid="); ok {
				goPids[v] = true
			}
		}
		resp, body, _ := rawRequest(t, p.addr, "/v1/version", "")
		if resp.StatusCode != 200 || !strings.HasPrefix(body, "pswire-1 ") {
			t.Fatalf("GET /v1/version = %d %q\n%s", resp.StatusCode, body, p.eventsText())
		}
		pyPids[body] = true
	}
	if len(goPids) != 2 {
		t.Errorf("Go workers seen: %v, want 2", goPids)
	}

	stop := make(chan struct{})
	load, wait := keepAliveClients(p.addr, "/v1/version", 4, 100000, stop, false)
	defer stopLoad(stop, wait)
	setVersion(t, p.dir, "VERSION = \"2\"\n")
	p.signal(syscall.SIGHUP)
	if err := p.waitFor("reloaded: every worker replaced", 90*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, p.eventsText())
	}
	if !load.seen("pswire-2", 20, 30*time.Second) {
		t.Errorf("the new Python code did not answer under load within 30 s")
	}
	close(stop)
	wait()
	if len(load.failures) != 0 || load.bodies["pswire-2"] == 0 {
		t.Errorf("under load across a rolling reload: %s", load.summary())
	}
	t.Logf("across a rolling reload: %s", load.summary())
	next := p.poolPid(t, 1)
	if n := len(p.logLines("python pool ready")); n != 2 {
		t.Errorf("%d pools after one reload, want 2", n)
	}
	if !p.logContains("python pool of the previous configuration stopped", 30*time.Second) {
		t.Errorf("the old pool was not stopped:\n%s", p.eventsText())
	}
	p.signal(syscall.SIGTERM)
	if err := p.wait(60 * time.Second); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, p.eventsText())
	}
	noProcessLeft(t, 5*time.Second, []int{pool, next}, []int{p.cmd.Process.Pid})
}

// --reload reloads when a Python source under [python] path changes,
// and when the paste file does, and logs what changed.
func TestPythonReloadFlag(t *testing.T) {
	p := startPython(t, map[string]string{"svc.conf": pyConf + "path = py\n"}, []string{}, "--reload")
	if code, body, _ := get(t, p.url("/v1/version")); code != 200 || !strings.HasPrefix(body, "pswire-1 ") {
		t.Fatalf("GET /v1/version = %d %q", code, body)
	}
	setVersion(t, p.dir, "VERSION = \"2\"\n")
	if err := p.waitFor("reloaded: new requests use the rebuilt pipeline", 30*time.Second); err != nil {
		t.Fatalf("no reload after a .py file changed: %v\n%s", err, p.eventsText())
	}
	changed := p.logLines("--reload: files changed; reloading")
	if len(changed) != 1 || !strings.Contains(fmt.Sprint(changed[0]["changed"]), filepath.Join("py", "pswire", "version.py")) {
		t.Errorf("what changed is not logged: %v", changed)
	}
	if _, body, _ := get(t, p.url("/v1/version")); !strings.HasPrefix(body, "pswire-2 ") {
		t.Errorf("after the reload: %q", body)
	}

	if err := os.WriteFile(filepath.Join(p.dir, "api.ini"), []byte(strings.Replace(pyPaste, "tag = f1", "tag = f2", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.waitFor("reloaded: new requests use the rebuilt pipeline", 30*time.Second); err != nil {
		t.Fatalf("no reload after the paste file changed: %v\n%s", err, p.eventsText())
	}
	var r report
	_, body, _ := get(t, p.url("/v1/x"))
	if json.Unmarshal([]byte(body), &r); fmt.Sprint(r.Chain) != "[f2]" {
		t.Errorf("after the paste file changed: %q", body)
	}
}
