package server_test

import (
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Signals while Python loads, at start and at a reload, and a reload
// whose old pool has a request that never ends. The Python pools'
// directories go to a TMPDIR of the test's, so that a test sees what
// is left of them.

// pySignalConf is pyConf with pswire on [python] path, relative to the
// server's directory, so that the environment can be the test's own.
const pySignalConf = pyConf + "path = py\n"

// childrenOf returns the live processes whose parent is pid: the
// gunicorn masters of a server's pools (each its own process group),
// and its Go workers.
func childrenOf(pid int) []int {
	var out []int
	for _, ps := range processes() {
		if ps.ppid == pid {
			out = append(out, ps.pid)
		}
	}
	return out
}

// noPoolDirLeft fails t if a pool's directory is left in tmp.
func noPoolDirLeft(t *testing.T, tmp string) {
	t.Helper()
	ds, _ := os.ReadDir(tmp)
	var left []string
	for _, d := range ds {
		if strings.HasPrefix(d.Name(), "pasteserve-python-") {
			left = append(left, d.Name())
		}
	}
	if len(left) != 0 {
		t.Errorf("pool directories left in TMPDIR: %v", left)
	}
}

// slowImport is a pswire version module whose import, in every Python
// worker's load, takes secs seconds.
func slowImport(secs string) string {
	return "import time\ntime.sleep(" + secs + ")\nVERSION = \"slow\"\n"
}

// SIGTERM while a reload's new pool is loading (its import sleeps for
// 30 s, start_timeout is 60 s) abandons the reload: the drain begins at
// once rather than when the new pool is ready or start_timeout has run
// out, the loading pool is killed, and nothing is left. Before, the
// supervisor read no signal until the reload returned.
func TestPythonSIGTERMDuringReload(t *testing.T) {
	tmp := t.TempDir()
	p := startPython(t, map[string]string{"svc.conf": pySignalConf}, []string{"TMPDIR=" + tmp})
	old := p.poolPid(t, 0)
	setVersion(t, p.dir, slowImport("30"))
	p.signal(syscall.SIGHUP)
	time.Sleep(time.Second)
	pools := childrenOf(p.cmd.Process.Pid)
	if len(pools) != 2 {
		t.Fatalf("pasteserve's children %v a second into the reload, want the old pool %d and the loading one\n%s", pools, old, p.eventsText())
	}
	sent := time.Now()
	p.signal(syscall.SIGTERM)
	if err := p.waitFor("stopping: draining in-flight requests", 10*time.Second); err != nil {
		t.Fatalf("no drain within 10 s of SIGTERM during a reload: %v\n%s", err, p.eventsText())
	}
	drain := time.Since(sent)
	if drain > 2*time.Second {
		t.Errorf("the drain began %v after SIGTERM, want within about a second", drain.Round(time.Millisecond))
	}
	if err := p.wait(15 * time.Second); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, p.eventsText())
	}
	t.Logf("SIGTERM during a reload: the drain began %v after it, the process exited %v after it", drain.Round(time.Millisecond), time.Since(sent).Round(time.Millisecond))
	noProcessLeft(t, 5*time.Second, pools, nil)
	noPoolDirLeft(t, tmp)
	if n := len(p.logLines("python pool ready")); n != 1 {
		t.Errorf("%d pools ready, want the first only", n)
	}
}

// Signals that arrive while the pool loads at start (its import sleeps)
// do what they mean once the server can: SIGHUP reloads once, after the
// start (in-process and as the master of workers); SIGTERM stops
// pasteserve cleanly, exit status 0, the loading pool stopped and its
// directory removed. Before, the signals were caught only once the
// server served: SIGHUP killed pasteserve (exit 129), and so did
// SIGTERM.
func TestPythonSignalsDuringStart(t *testing.T) {
	skipWithoutPython(t)
	for _, workers := range []string{"0", "2"} {
		t.Run("SIGHUP/workers="+workers, func(t *testing.T) {
			dir := pythonDir(t)
			setVersion(t, dir, slowImport("3"))
			p := launchIn(t, dir, map[string]string{"api.ini": pyPaste, "svc.conf": pySignalConf}, []string{"TMPDIR=" + t.TempDir()},
				"--python", "/usr/bin/python3", "--config-file", "svc.conf", "--workers", workers)
			time.Sleep(time.Second)
			p.signal(syscall.SIGHUP)
			if err := p.waitFor("listening", 60*time.Second); err != nil {
				t.Fatalf("no start after SIGHUP during the start: %v\n%s", err, p.eventsText())
			}
			reloaded := "reloaded: new requests use the rebuilt pipeline"
			if workers != "0" {
				reloaded = "reloaded: every worker replaced"
			}
			if err := p.waitFor(reloaded, 60*time.Second); err != nil {
				t.Fatalf("no reload after the start: %v\n%s", err, p.eventsText())
			}
			if n := len(p.logLines(reloaded)); n != 1 {
				t.Errorf("%d reloads, want 1", n)
			}
			if code, body, _ := get(t, p.url("/v1/version")); code != 200 || !strings.HasPrefix(body, "pswire-slow ") {
				t.Errorf("GET /v1/version = %d %q", code, body)
			}
		})
		t.Run("SIGTERM/workers="+workers, func(t *testing.T) {
			dir, tmp := pythonDir(t), t.TempDir()
			setVersion(t, dir, slowImport("30"))
			p := launchIn(t, dir, map[string]string{"api.ini": pyPaste, "svc.conf": pySignalConf}, []string{"TMPDIR=" + tmp},
				"--python", "/usr/bin/python3", "--config-file", "svc.conf", "--workers", workers)
			time.Sleep(time.Second)
			pools := childrenOf(p.cmd.Process.Pid)
			if len(pools) != 1 {
				t.Fatalf("pasteserve's children %v a second into the start, want its loading pool\n%s", pools, p.eventsText())
			}
			sent := time.Now()
			p.signal(syscall.SIGTERM)
			if err := p.wait(10 * time.Second); err != nil {
				t.Errorf("exit after SIGTERM during the start: %v, want 0\n%s", err, p.eventsText())
			}
			t.Logf("SIGTERM during the start: exited %v after it", time.Since(sent).Round(time.Millisecond))
			if strings.Contains(p.logText(), `"message":"listening"`) {
				t.Errorf("listened after SIGTERM:\n%s", p.eventsText())
			}
			noProcessLeft(t, 5*time.Second, pools, nil)
			noPoolDirLeft(t, tmp)
		})
	}
}

// A request that never answers in the old pool (it sleeps for 60 s)
// does not keep that pool alive after a reload for longer than
// graceful_shutdown_timeout (2 s here): the pool is stopped then, the
// log says how many requests were cut off, and the request gets Go's
// 502. Before, the old pool waited for it with no bound.
func TestPythonReloadBoundsTheOldPool(t *testing.T) {
	conf := "[DEFAULT]\ngraceful_shutdown_timeout = 2\n" + pySignalConf
	p := startPython(t, map[string]string{"svc.conf": conf}, []string{})
	old := p.poolPid(t, 0)
	stuck := make(chan int, 1)
	go func() {
		resp, err := client.Get(p.url("/v1/sleep?s=60")) // client's timeout: 10 s
		if err != nil {
			stuck <- 0
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		stuck <- resp.StatusCode
	}()
	time.Sleep(500 * time.Millisecond) // in the app's sleep
	p.signal(syscall.SIGHUP)
	if err := p.waitFor("reloaded: new requests use the rebuilt pipeline", 60*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, p.eventsText())
	}
	const stopped = "python pool of the previous configuration stopped"
	if !p.logContains(stopped, 8*time.Second) {
		t.Fatalf("the old pool is still running 8 s after the reload, with graceful_shutdown_timeout = 2:\n%s", p.eventsText())
	}
	if l := p.logLines(stopped); len(l) != 1 || l[0]["cut_requests"] != float64(1) {
		t.Errorf("the log does not say 1 request was cut off: %v", l)
	}
	if code := <-stuck; code != 502 {
		t.Errorf("the request in the old pool got %d, want 502", code)
	}
	noProcessLeft(t, 5*time.Second, []int{old}, nil)
	if code, body, _ := get(t, p.url("/v1/version")); code != 200 || !strings.HasPrefix(body, "pswire-1 ") {
		t.Errorf("after the reload: %d %q", code, body)
	}
}
