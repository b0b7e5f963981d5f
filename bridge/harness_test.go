package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// python is the interpreter the tests run: Debian's, where gunicorn and
// PasteDeploy are installed.
func python() string {
	if p := os.Getenv("PASTESERVE_TEST_PYTHON"); p != "" {
		return p
	}
	return "/usr/bin/python3"
}

// needPython skips the test, saying what to install, when the
// interpreter lacks gunicorn or PasteDeploy.
func needPython(t testing.TB) {
	t.Helper()
	for mod, pkg := range map[string]string{"gunicorn": "python3-gunicorn", "paste.deploy": "python3-pastedeploy"} {
		if err := exec.Command(python(), "-c", "import "+mod).Run(); err != nil {
			t.Skipf("skipping: %s cannot import %s (apt-get install %s)", python(), mod, pkg)
		}
	}
}

// testdataDir is the absolute path of testdata.
func testdataDir(t testing.TB) string {
	d, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// logBuf collects a pool's log lines, safely for the pool's goroutines.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// lines returns the log's lines that contain every one of subs.
func (l *logBuf) lines(subs ...string) []string {
	var out []string
	for _, line := range strings.Split(l.String(), "\n") {
		ok := line != ""
		for _, s := range subs {
			ok = ok && strings.Contains(line, s)
		}
		if ok {
			out = append(out, line)
		}
	}
	return out
}

// waitLog waits up to d for a log line with every one of subs.
func (l *logBuf) waitLog(d time.Duration, subs ...string) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if len(l.lines(subs...)) > 0 {
			return true
		}
	}
	return false
}

// testSpec is a spec of the tails of testdata/tails.ini, with testdata/py
// on [python] path.
func testSpec(t testing.TB, tails ...Tail) Spec {
	o := DefaultOptions()
	o.Executable = python()
	o.Workers, o.Threads = 2, 4
	o.Path = []string{filepath.Join(testdataDir(t), "py")}
	o.StartTimeout = 30 * time.Second
	return Spec{Options: o, PasteFile: filepath.Join(testdataDir(t), "tails.ini"), Tails: tails}
}

// tail is the tail of testdata/tails.ini that loads name whole.
func tail(t testing.TB, name string) Tail {
	tl := Whole(filepath.Join(testdataDir(t), "tails.ini"), name, nil)
	tl.Section = name
	return tl
}

// startPool starts a pool of spec, stopped when the test ends.
func startPool(t testing.TB, spec Spec) (*Pool, *Client, *logBuf) {
	t.Helper()
	needPython(t)
	c, err := NewClient("")
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuf{}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, err := Start(ctx, c, spec, zerolog.New(logs))
	if err != nil {
		t.Fatalf("Start: %v\nlog:\n%s", err, logs)
	}
	t.Cleanup(func() {
		select {
		case <-p.Done():
			return // the test stopped it
		default:
		}
		inflight := c.InFlight()
		if err := p.Stop(10 * time.Second); err != nil {
			t.Errorf("Stop: %v (%d requests in flight at the stop)\nlog:\n%s", err, inflight, logs)
		}
	})
	return p, c, logs
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
