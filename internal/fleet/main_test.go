package fleet

import (
	"bytes"
	"encoding/json"
	"flag"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pasteserve/pasteserve/internal/binarytest"
)

// pasteserve is the binary the test runs, built from cmd/pasteserve
// (every built-in, nothing of the tests') by TestMain.
var pasteserve string

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		// The fleet test skips with -short, and the doc test runs no
		// binary: nothing to build.
		os.Exit(m.Run())
	}
	os.Exit(binarytest.Run(m, "../../cmd/pasteserve", "pasteserve", &pasteserve))
}

// skipUnlessFile skips t when path is missing, naming the Debian package
// that has it.
func skipUnlessFile(t testing.TB, path, pkg, what string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s is missing, so %s is not tested; apt-get install -y --no-install-recommends %s to run this test", path, what, pkg)
	}
}

// freePort returns a port on 127.0.0.1 that was free a moment ago. A
// server told to bind it may lose it to another process; the test then
// fails at that server's start rather than talk to someone else, since
// it waits for its own process's answer.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// process is a program the test started, its stdout and stderr going
// to a file. A file, not a pipe: HAProxy drops log lines rather than
// wait for a full pipe, and the test counts them.
type process struct {
	name string
	cmd  *exec.Cmd
	path string // the output file

	done    chan struct{} // closed when it has exited
	waitErr error
}

// run starts argv with its output in dir/name.log; the process is
// killed when the test ends if it still runs.
func run(t testing.TB, dir, name string, argv ...string) *process {
	t.Helper()
	p := &process{name: name, cmd: exec.Command(argv[0], argv[1:]...), path: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	out, err := os.Create(p.path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close() // the child has its own copy
	p.cmd.Stdout, p.cmd.Stderr = out, out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.kill() })
	return p
}

// kill stops the process with SIGKILL if it still runs and waits, at
// most 10 s, for it to exit.
func (p *process) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
}

// signal sends sig to the process.
func (p *process) signal(sig syscall.Signal) error { return p.cmd.Process.Signal(sig) }

// wait waits at most timeout for the process to exit, and says whether
// it did and with what error (nil: status 0).
func (p *process) wait(timeout time.Duration) (exited bool, err error) {
	select {
	case <-p.done:
		return true, p.waitErr
	case <-time.After(timeout):
		return false, nil
	}
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

// output returns the lines so far (a last line still being written
// left out).
func (p *process) output() []string {
	b, err := os.ReadFile(p.path)
	if err != nil {
		return nil
	}
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	} else {
		return nil
	}
	return strings.Split(string(b), "\n")
}

// tail returns the last n lines, for failure messages.
func (p *process) tail(n int) string {
	lines := p.output()
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// jsonLines returns the lines that are JSON objects (pasteserve's log
// with --log-format json), decoded.
func (p *process) jsonLines() []map[string]any {
	var out []map[string]any
	for _, line := range p.output() {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// waitForMessage waits, at most timeout, for a JSON log line whose
// message is msg and which comes after the first skip such lines;
// it fails t if the process exits first.
func (p *process) waitForMessage(t testing.TB, msg string, skip int, timeout time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		seen := 0
		for _, line := range p.output() {
			var m map[string]any
			if strings.Contains(line, msg) && json.Unmarshal([]byte(line), &m) == nil && m["message"] == msg {
				seen++
			}
		}
		if seen > skip {
			return
		}
		if p.exited() {
			t.Fatalf("%s exited before logging %q: %v\n%s", p.name, msg, p.waitErr, p.tail(30))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s logged no %q within %s\n%s", p.name, msg, timeout, p.tail(30))
		}
	}
}

// waitDial waits, at most timeout, until addr accepts TCP connections,
// failing t if p exits first.
func waitDial(t testing.TB, p *process, addr string, timeout time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		if p.exited() {
			t.Fatalf("%s exited: %v\n%s", p.name, p.waitErr, p.tail(30))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not accept on %s within %s\n%s", p.name, addr, timeout, p.tail(30))
		}
	}
}

// writeFile writes content to path, failing t if it cannot.
func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
