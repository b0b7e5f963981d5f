package bridgeaccept

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pasteserve/pasteserve/internal/binarytest"
)

// python is Debian's interpreter: the one with the OpenStack libraries
// (python3 on PATH may be a pyenv shim without them).
const python = "/usr/bin/python3"

// pasteserve is the binary the tests run, built from cmd/pasteserve
// (every built-in, nothing of the tests') by TestMain.
var pasteserve string

func TestMain(m *testing.M) {
	if spec := os.Getenv(hopEnv); spec != "" {
		os.Exit(runHop(spec))
	}
	os.Exit(binarytest.Run(m, "../../cmd/pasteserve", "pasteserve", &pasteserve))
}

// skipUnlessPython skips t unless Debian's python3 imports every module
// of mods; pkgs is what to apt-get install for them.
func skipUnlessPython(t testing.TB, what, pkgs string, mods ...string) {
	t.Helper()
	if _, err := os.Stat(python); err != nil {
		t.Skipf("%s is missing, so %s is not tested; apt-get install -y --no-install-recommends python3 %s", python, what, pkgs)
	}
	src := "import " + strings.Join(mods, ", ")
	if out, err := exec.Command(python, "-c", src).CombinedOutput(); err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		t.Skipf("%s cannot %q (%s), so %s is not tested; apt-get install -y --no-install-recommends %s to run this test",
			python, src, lines[len(lines)-1], what, pkgs)
	}
}

// freePort returns a port on 127.0.0.1 that was free a moment ago. A
// server told to bind it may still lose it to another process; the
// tests then fail at the server's start, not talk to someone else,
// since they wait for their own process's answer.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// process is a program a test started: its own process group, its
// output in a file and in memory, stopped when the test ends.
type process struct {
	name string
	cmd  *exec.Cmd
	path string // the log file

	mu  sync.Mutex
	out bytes.Buffer

	done    chan struct{} // closed when it has exited
	waitErr error
}

// run starts argv in dir with env added to this process's environment.
// Its stdout and stderr go, line by line, to dir/<name>.log and to
// memory. When t ends it gets SIGTERM; whatever of its process group
// is left 20 s later is killed, and the test fails for it.
func run(t testing.TB, name, dir string, env []string, argv ...string) *process {
	t.Helper()
	p := &process{name: name, path: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	f, err := os.Create(p.path)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Dir = dir
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = pw, pw
	if err := p.cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("%s: %v", name, err)
	}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(pr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.out.Write(sc.Bytes())
			p.out.WriteByte('\n')
			p.mu.Unlock()
			f.Write(sc.Bytes())
			f.Write([]byte{'\n'})
		}
		io.Copy(io.Discard, pr)
	}()
	go func() {
		p.waitErr = p.cmd.Wait()
		pw.Close()
		<-copied
		f.Close()
		close(p.done)
	}()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop sends SIGTERM to the process, waits at most 20 s for it, then
// kills its process group; it fails t when anything of the group was
// still running by then. Stopping twice does nothing more.
//
// Its descendants are noted before the SIGTERM: pasteserve puts its
// Python pool in a process group of its own, so the group alone would
// not show a Python worker left behind. Each one still running 10 s
// after the process exited fails t and is killed, by its pid.
func (p *process) stop(t testing.TB) {
	pgid := p.cmd.Process.Pid
	var before []int
	select {
	case <-p.done:
	default:
		before = descendants(pgid)
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(20 * time.Second):
			t.Errorf("%s (pid %d) still running 20 s after SIGTERM; killing its process group; its log ends:\n%s", p.name, pgid, p.tail(30))
		}
	}
	// The group outlives its leader when a child of it did not stop.
	if left := groupMembers(pgid); len(left) > 0 {
		t.Errorf("%s: processes of its group left after it exited: %v; killing them", p.name, left)
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
	<-p.done
	for _, pid := range before {
		gone := false
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if _, ok := procStat(pid); !ok {
				gone = true
				break
			}
		}
		if !gone {
			t.Errorf("%s: its descendant %d (%s) still runs 10 s after it exited; killing it", p.name, pid, cmdline(pid))
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// procStat returns the fields of /proc/PID/stat after the command name
// (state first, then ppid, pgrp, ...); ok is false when pid is gone or
// a zombie.
func procStat(pid int) (fields []string, ok bool) {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, false
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	f := strings.Fields(rest)
	if len(f) < 3 || f[0] == "Z" || f[0] == "X" {
		return nil, false
	}
	return f, true
}

// cmdline is pid's command line, for messages.
func cmdline(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}

// allProcs maps every live pid to its stat fields.
func allProcs() map[int][]string {
	procs := map[int][]string{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f, ok := procStat(pid); ok {
			procs[pid] = f
		}
	}
	return procs
}

// groupMembers lists the live processes of process group pgid.
func groupMembers(pgid int) []int {
	var pids []int
	for pid, f := range allProcs() {
		if f[2] == strconv.Itoa(pgid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// descendants lists the live processes below pid (children, theirs, ...).
func descendants(pid int) []int {
	children := map[int][]int{}
	for p, f := range allProcs() {
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], p)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 && len(out) < 10000 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// output is what the process has written so far.
func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// exited reports whether the process has exited.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitHTTP polls url (GET, no retries within one poll) every 100 ms
// until it answers want, for at most timeout; it fails t with the
// process's output when p exits first or time runs out.
func waitHTTP(t testing.TB, p *process, url string, want int, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	c := &http.Client{Timeout: 2 * time.Second}
	last := ""
	for deadline := start.Add(timeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if p.exited() {
			t.Fatalf("%s exited (%v) before %s answered:\n%s", p.name, p.waitErr, url, tail(p.output(), 60))
		}
		resp, err := c.Get(url)
		if err != nil {
			last = err.Error()
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == want {
			return time.Since(start)
		}
		last = resp.Status
	}
	t.Fatalf("%s: %s did not answer %d within %s (last: %s):\n%s", p.name, url, want, timeout, last, tail(p.output(), 60))
	return 0
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// command runs argv to its end (at most timeout) in dir with env added
// and returns its combined output; it fails t when it exits non-zero.
func command(t testing.TB, timeout time.Duration, dir string, env []string, argv ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, tail(string(out), 40))
	}
	return string(out)
}

// response is one answer a test got.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends one request (no retries: a failure fails t) and reads the
// whole answer.
func do(t testing.TB, method, url string, body io.Reader, header ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

// tail is the last n lines of the process's log, for a failure message.
func (p *process) tail(n int) string {
	b, _ := os.ReadFile(p.path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
