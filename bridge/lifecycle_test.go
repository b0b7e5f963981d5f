package bridge

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// workers lists the pool's worker processes: the master's group,
// less the master.
func workers(p *Pool) []int {
	pid := p.Pid()
	var out []int
	for _, w := range GroupMembers(pid) {
		if w != pid {
			out = append(out, w)
		}
	}
	return out
}

// waitFor polls cond every 20 ms for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// get does one request, without retries, and returns its status (0 for
// a transport error) and the Retry-After header.
func get(c *http.Client, url string) (int, string) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, ""
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// Workers killed with SIGKILL: the request they were serving gets a
// 502 with a JSON fault, gunicorn replaces them (they load again and
// report ready), and every request afterwards succeeds.
func TestKilledWorkersAreReplaced(t *testing.T) {
	tl := tail(t, "main")
	p, c, logs := startPool(t, testSpec(t, tl))
	srv := httptest.NewServer(c.Handler(tl))
	defer srv.Close()
	old := workers(p)
	if len(old) != 2 {
		t.Fatalf("workers %v, want 2", old)
	}
	type result struct {
		status int
		body   string
	}
	inflight := make(chan result, 1)
	go func() {
		resp, err := http.Get(srv.URL + "/sleep?s=5")
		if err != nil {
			inflight <- result{0, err.Error()}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		inflight <- result{resp.StatusCode, string(b)}
	}()
	if !waitFor(5*time.Second, func() bool { return c.InFlight() == 1 }) {
		t.Fatal("the request did not start")
	}
	time.Sleep(300 * time.Millisecond) // in the app's sleep
	for _, w := range old {
		syscall.Kill(w, syscall.SIGKILL)
	}
	r := <-inflight
	if r.status != http.StatusBadGateway || !strings.Contains(r.body, `"code": "502 Bad Gateway"`) && !strings.Contains(r.body, `"code":"502 Bad Gateway"`) {
		t.Errorf("the request in flight got %d %q, want a 502 fault", r.status, r.body)
	}
	if strings.Contains(r.body, "python") || strings.Contains(r.body, "Traceback") {
		t.Errorf("the 502 says too much: %s", r.body)
	}
	if !waitFor(20*time.Second, func() bool {
		ws := workers(p)
		return len(ws) == 2 && !slices.Contains(ws, old[0]) && !slices.Contains(ws, old[1]) && len(logs.lines("python worker loaded")) >= 4
	}) {
		t.Fatalf("the workers were not replaced: %v (were %v)\n%s", workers(p), old, logs)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	failed := 0
	for range 20 {
		if s, _ := get(client, srv.URL+"/"); s != 200 {
			failed++
		}
	}
	if failed != 0 {
		t.Errorf("%d of 20 requests failed after the workers were replaced", failed)
	}
}

// The master killed with SIGKILL: the pool is restarted with backoff
// (100 ms, then 200 ms for a master that was up less than a minute),
// requests meanwhile get 503 with Retry-After, and are served again
// once it is back.
func TestKilledMasterIsRestartedWithBackoff(t *testing.T) {
	tl := tail(t, "main")
	p, c, logs := startPool(t, testSpec(t, tl))
	srv := httptest.NewServer(c.Handler(tl))
	defer srv.Close()
	client := &http.Client{Timeout: 10 * time.Second}
	for round, backoff := range []string{`"restart_in":100`, `"restart_in":200`} {
		master := p.Pid()
		if master == 0 {
			t.Fatalf("round %d: no master", round)
		}
		syscall.Kill(master, syscall.SIGKILL)
		saw503 := false
		if !waitFor(5*time.Second, func() bool {
			s, ra := get(client, srv.URL+"/")
			if s == 503 && ra != "" {
				saw503 = true
			}
			return saw503
		}) {
			t.Errorf("round %d: no 503 with Retry-After while the pool was down", round)
		}
		if !waitFor(30*time.Second, func() bool { s, _ := get(client, srv.URL+"/"); return s == 200 }) {
			t.Fatalf("round %d: the pool did not come back:\n%s", round, logs)
		}
		if p.Pid() == master || len(GroupMembers(master)) != 0 {
			t.Errorf("round %d: the old master %d or its workers are still there: %v", round, master, GroupMembers(master))
		}
		if len(logs.lines("python pool exited; restarting it", backoff)) != 1 {
			t.Errorf("round %d: no restart logged with %s:\n%s", round, backoff, strings.Join(logs.lines("restart"), "\n"))
		}
	}
}

// Stop leaves no process of the pool and removes its directory; a
// pool that does not stop within the deadline (a request still running)
// is killed, and Stop says so.
func TestStopLeavesNothing(t *testing.T) {
	tl := tail(t, "main")
	t.Run("graceful", func(t *testing.T) {
		p, c, _ := startPool(t, testSpec(t, tl))
		master := p.Pid()
		if len(GroupMembers(master)) != 3 {
			t.Fatalf("the group %v, want a master and 2 workers", GroupMembers(master))
		}
		if err := p.Stop(10 * time.Second); err != nil {
			t.Errorf("Stop: %v", err)
		}
		if m := GroupMembers(master); len(m) != 0 {
			t.Errorf("left after Stop: %v", m)
		}
		noHostProcesses(t, c)
		select {
		case <-p.Done():
		default:
			t.Error("Done is not closed after Stop")
		}
	})
	// Connections open to the pool with no request on them (keep-alive
	// ones Go's Transport holds after load, and ones it dialed and then
	// did not need, as it does when an idle connection comes back before
	// its dial ends) do not hold up a stop: gunicorn 20.1's gthread worker
	// gives a thread to a connection as soon as it accepts it, and on
	// SIGTERM waits graceful_timeout (an hour here) for that thread, which
	// blocks reading a request that never comes, until Go closes the
	// connection (after its 60 s idle timeout).
	t.Run("idle connections", func(t *testing.T) {
		p, c, _ := startPool(t, testSpec(t, tl))
		srv := httptest.NewServer(c.Handler(tl))
		defer srv.Close()
		master := p.Pid()
		for range 8 {
			if code, _ := get(http.DefaultClient, srv.URL+"/"); code != http.StatusOK {
				t.Fatalf("GET /: %d", code)
			}
		}
		var d net.Dialer
		for range 8 { // 2 workers: every one accepts some
			conn, err := d.Dial("unix", c.Socket())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
		}
		time.Sleep(500 * time.Millisecond) // accepted by the workers
		start := time.Now()
		if err := p.Stop(20 * time.Second); err != nil {
			t.Errorf("Stop with nothing in flight: %v (after %v)", err, time.Since(start).Round(time.Millisecond))
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("Stop with nothing in flight took %v", d)
		}
		if m := GroupMembers(master); len(m) != 0 {
			t.Errorf("left after Stop: %v", m)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		p, c, _ := startPool(t, testSpec(t, tl))
		srv := httptest.NewServer(c.Handler(tl))
		defer srv.Close()
		master := p.Pid()
		go get(http.DefaultClient, srv.URL+"/sleep?s=30")
		if !waitFor(5*time.Second, func() bool { return c.InFlight() == 1 }) {
			t.Fatal("the request did not start")
		}
		start := time.Now()
		err := p.Stop(time.Second)
		if err == nil || !strings.Contains(err.Error(), "killed") {
			t.Errorf("Stop: %v, want it to say the pool was killed", err)
		}
		if d := time.Since(start); d > 8*time.Second {
			t.Errorf("Stop took %v with a 1 s deadline", d)
		}
		if m := GroupMembers(master); len(m) != 0 {
			t.Errorf("left after Stop: %v", m)
		}
		noHostProcesses(t, c)
	})
}

// The helper process of TestPasteserveKilled: a pool, its master's pid
// and directory on stdout, then nothing until it is killed.
func TestHelperPool(t *testing.T) {
	if os.Getenv("BRIDGE_TEST_HELPER") != "pool" {
		t.Skip("the helper process of TestKilledPasteserveLeavesNoPython")
	}
	tl := tail(t, "main")
	c, err := NewClient("")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Start(context.Background(), c, testSpec(t, tl), zerolog.New(os.Stderr))
	if err != nil {
		t.Fatal(err)
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{"pid": p.Pid(), "dir": c.dir})
	time.Sleep(60 * time.Second) // killed long before
}

// pasteserve killed with SIGKILL (a test binary that started a pool):
// no Python process is left within a few seconds, and the directory is
// removed.
func TestKilledPasteserveLeavesNoPython(t *testing.T) {
	needPython(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperPool$", "-test.v")
	cmd.Env = append(os.Environ(), "BRIDGE_TEST_HELPER=pool")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var info struct {
		Pid int
		Dir string
	}
	sc := bufio.NewScanner(out)
	found := make(chan error, 1)
	go func() {
		for sc.Scan() {
			if json.Unmarshal(sc.Bytes(), &info) == nil && info.Pid != 0 {
				found <- nil
				io.Copy(io.Discard, out)
				return
			}
		}
		found <- fmt.Errorf("the helper ended: %v", sc.Err())
	}()
	select {
	case err := <-found:
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("the helper did not start a pool:\n%s", stderr.String())
	}
	// Whatever happens, the pool goes with the test (its group is live,
	// so its id is still the pool's).
	t.Cleanup(func() {
		if len(GroupMembers(info.Pid)) > 0 {
			syscall.Kill(-info.Pid, syscall.SIGKILL)
		}
	})
	if len(GroupMembers(info.Pid)) != 3 {
		t.Fatalf("the pool's group %v, want 3 processes", GroupMembers(info.Pid))
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	start := time.Now()
	if !waitFor(10*time.Second, func() bool { return len(GroupMembers(info.Pid)) == 0 && len(hostProcesses(info.Dir)) == 0 }) {
		t.Fatalf("left 10 s after pasteserve was killed: %v", GroupMembers(info.Pid))
	}
	t.Logf("the pool was gone %v after its pasteserve was killed", time.Since(start).Round(time.Millisecond))
	if !waitFor(5*time.Second, func() bool { _, err := os.Stat(info.Dir); return os.IsNotExist(err) }) {
		t.Errorf("the directory %s is left", info.Dir)
	}
}

// The host's own watchdog stops the pool when its parent goes, where
// no Pdeathsig was set: the host started by a shell (in a process group
// of its own) that exits a second later.
func TestHostWatchdogStopsAnOrphanedPool(t *testing.T) {
	needPython(t)
	c, err := NewClient("")
	if err != nil {
		t.Fatal(err)
	}
	p := &Pool{c: c, spec: testSpec(t, tail(t, "main"))}
	p.spec.Options = p.spec.Options.withDefaults()
	if err := os.WriteFile(filepath.Join(c.dir, "pasteserve_host.py"), hostModule, 0o600); err != nil {
		t.Fatal(err)
	}
	specPath, err := p.writeSpec()
	if err != nil {
		t.Fatal(err)
	}
	// ppid 0: the host watches the parent it starts with, the shell.
	b, _ := os.ReadFile(specPath)
	var hs hostSpec
	json.Unmarshal(b, &hs)
	hs.PPID = 0
	b, _ = json.Marshal(hs)
	os.WriteFile(specPath, b, 0o600)

	sh := exec.Command("sh", "-c", `"$0" "$1" "$2" 3>/dev/null >/dev/null 2>&1 & echo $!; sleep 3; test -S "$3" && echo serving`,
		python(), filepath.Join(c.dir, "pasteserve_host.py"), specPath, c.socket)
	sh.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := sh.Output()
	if err != nil {
		t.Fatal(err)
	}
	pgid := sh.Process.Pid
	t.Cleanup(func() {
		if len(GroupMembers(pgid)) > 0 {
			syscall.Kill(-pgid, syscall.SIGKILL)
		}
		os.RemoveAll(c.dir)
	})
	var host int
	fmt.Sscanf(string(out), "%d", &host)
	if host == 0 || !strings.Contains(string(out), "serving") {
		t.Fatalf("the host did not start serving: %q", out)
	}
	// The shell is gone (Output waited for it); the host, its workers
	// and the directory follow within the watchdog's second and its
	// grace.
	if !waitFor(15*time.Second, func() bool { return len(GroupMembers(pgid)) == 0 }) {
		t.Fatalf("the orphaned pool is still running: %v", GroupMembers(pgid))
	}
	if _, err := os.Stat(c.dir); !os.IsNotExist(err) {
		t.Errorf("the directory is left: %v", err)
	}
}

// A worker that gunicorn is still forking when the pool is stopped
// stops too. gunicorn 20.1 loses a signal that reaches a worker between
// its fork and the worker's own signal handlers (benoitc/gunicorn#1910):
// the handlers it inherited from the master queue the signal in the
// master's queue, which the worker never reads, so that the worker
// served on and the master waited graceful_timeout (an hour) for it,
// until Stop's deadline killed the pool. A restarted master stopped
// while its second worker booted lost its stop that way (seen on CI).
// Here a sitecustomize module holds each worker in that window for 2 s
// once the marker file exists, a worker is killed so that the master
// forks another, and the pool is stopped while it waits.
func TestStopReachesAWorkerStillForking(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "slow-fork")
	site := fmt.Sprintf(`import os, time
_fork = os.fork
def fork():
    pid = _fork()
    if pid == 0 and os.path.exists(%q):
        time.sleep(2)  # after the fork, before the worker's handlers
    return pid
os.fork = fork
`, marker)
	if err := os.WriteFile(filepath.Join(dir, "sitecustomize.py"), []byte(site), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := testSpec(t, tail(t, "main"))
	spec.Env = append(spec.Env, "PYTHONPATH="+dir)
	p, _, logs := startPool(t, spec)
	master := p.Pid()
	before := GroupMembers(master)
	if len(before) != 3 {
		t.Fatalf("the group %v, want a master and 2 workers", before)
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	worker := before[0]
	if worker == master {
		worker = before[1]
	}
	syscall.Kill(worker, syscall.SIGKILL)
	if !waitFor(5*time.Second, func() bool {
		m := GroupMembers(master)
		return len(m) == 3 && !slices.Contains(m, worker)
	}) {
		t.Fatalf("the master forked no worker in place of %d: %v", worker, GroupMembers(master))
	}
	start := time.Now()
	if err := p.Stop(20 * time.Second); err != nil {
		t.Errorf("Stop with a worker in its fork: %v (after %v)\nlog:\n%s", err, time.Since(start).Round(time.Millisecond), logs)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Stop with a worker in its fork took %v", d)
	}
	if m := GroupMembers(master); len(m) != 0 {
		t.Errorf("left after Stop: %v", m)
	}
}
