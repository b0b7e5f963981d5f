package bridge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/request"
)

// withID gives every request the local id id, as the server does.
func withID(id string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(request.WithID(r.Context(), id)))
	})
}

// An exception in the app: the client gets gunicorn's bare 500, nothing
// of the traceback; pasteserve's log has the traceback once, on one
// line with the request id, and gunicorn's own "Error handling request"
// without it. An exception after the first chunk breaks the response
// off, and is logged the same way.
func TestAppExceptionIsLoggedOnceNeverAnswered(t *testing.T) {
	tl := tail(t, "main")
	_, c, logs := startPool(t, testSpec(t, tl))
	for _, tc := range []struct {
		path, id string
		late     bool
	}{
		{"/raise", "req-aaaaaaaa-0000-4000-8000-000000000001", false},
		{"/raise-late", "req-aaaaaaaa-0000-4000-8000-000000000002", true},
	} {
		srv := httptest.NewServer(withID(tc.id, c.Handler(tl)))
		resp, err := http.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, readErr := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		if tc.late {
			// The status and first chunk went out; the rest is cut off.
			if resp.StatusCode != 200 || readErr == nil || string(body) != "first\n" {
				t.Errorf("%s: %s %q %v, want 200, the first chunk, and a broken body", tc.path, resp.Status, body, readErr)
			}
		} else if resp.StatusCode != 500 {
			t.Errorf("%s: %s, want 500", tc.path, resp.Status)
		}
		for _, bad := range []string{"Traceback", "RuntimeError", "pstest", ".py"} {
			if strings.Contains(string(body), bad) {
				t.Errorf("%s: the answer holds %q: %s", tc.path, bad, body)
			}
		}
		if !logs.waitLog(5*time.Second, tc.id, "Traceback") {
			t.Fatalf("%s: no traceback with the request id logged:\n%s", tc.path, logs)
		}
		// gunicorn's own line comes after ours; let it arrive.
		logs.waitLog(2*time.Second, "Error handling request")
		time.Sleep(200 * time.Millisecond)
		if n := len(logs.lines("Traceback", "RuntimeError: pstest")); n != 1 {
			t.Errorf("%s: the traceback is logged %d times:\n%s", tc.path, n, logs)
		}
		logs.mu.Lock()
		logs.b.Reset()
		logs.mu.Unlock()
	}
}

// A tail that fails to load fails Start with a LoadError at the section
// that failed, carrying the exception's last line; its traceback is
// logged once, and no process is left.
func TestLoadErrorIsPositionedAtTheSection(t *testing.T) {
	needPython(t)
	file := filepath.Join(testdataDir(t), "tails.ini")
	for _, tc := range []struct {
		name, section, message string
		line                   int
	}{
		// The app's factory raises.
		{"broken", "app:broken", "ValueError: pstest: asked to fail (broken)", lineOf(t, file, "[app:broken]")},
		// A filter inside a pipeline cannot be imported: resolving the
		// pipeline fails at the filter.
		{"badimport", "filter:badfilter", "ModuleNotFoundError: No module named 'pstest_nosuchmodule'", lineOf(t, file, "[filter:badfilter]")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := testSpec(t, tail(t, tc.name))
			c, logs, err := startErr(t, spec)
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("Start: %v, want a *LoadError\n%s", err, logs)
			}
			want := fmt.Sprintf("%s:%d:1: [%s]: %s", file, tc.line, tc.section, tc.message)
			if le.Error() != want {
				t.Errorf("Error() = %q\nwant      %q", le.Error(), want)
			}
			if le.Tail.Elements[0].Name != tc.name || !strings.Contains(le.Traceback, "Traceback") {
				t.Errorf("LoadError %+v", le)
			}
			if n := len(logs.lines("Traceback")); n != 1 {
				t.Errorf("the traceback is logged %d times:\n%s", n, logs)
			}
			if n := len(logs.lines(tc.message)); n < 1 {
				t.Errorf("no log line with %q:\n%s", tc.message, logs)
			}
			noHostProcesses(t, c)
		})
	}
}

// An init that fails fails Start with a LoadError naming the init.
func TestInitErrorFailsStart(t *testing.T) {
	needPython(t)
	spec := testSpec(t, tail(t, "main"))
	spec.Init = "pstest_init:fail"
	c, logs, err := startErr(t, spec)
	var le *LoadError
	if !errors.As(err, &le) || le.Init != "pstest_init:fail" || le.Error() != "python init pstest_init:fail: RuntimeError: pstest_init: init failed on purpose" {
		t.Fatalf("Start: %v, want the init's LoadError\n%s", err, logs)
	}
	noHostProcesses(t, c)
}

// A pool that cannot start (no such interpreter; an interpreter that
// exits at once) fails Start with what went wrong, and no process and
// no directory are left.
func TestStartFailures(t *testing.T) {
	needPython(t)
	spec := testSpec(t)
	spec.Executable = "/nonexistent/python3"
	c, _, err := startErr(t, spec)
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/python3") {
		t.Errorf("Start with no interpreter: %v", err)
	}
	if _, err := os.Stat(c.dir); !os.IsNotExist(err) {
		t.Errorf("the directory is left: %v", err)
	}
	spec.Executable = "/bin/false"
	c, _, err = startErr(t, spec)
	if err == nil || !strings.Contains(err.Error(), "exited") {
		t.Errorf("Start with /bin/false: %v", err)
	}
	if _, err := os.Stat(c.dir); !os.IsNotExist(err) {
		t.Errorf("the directory is left: %v", err)
	}
	spec = testSpec(t)
	spec.Init = "time:sleep" // sleep(["..."]) fails; a module that hangs is below
	spec.StartTimeout = time.Second
	spec.Init = "pstest_init_hang"
	writeHang(t)
	c, _, err = startErr(t, spec)
	if err == nil || !strings.Contains(err.Error(), "start_timeout") {
		t.Errorf("Start with a hanging init: %v", err)
	}
	noHostProcesses(t, c)
}

// writeHang puts a module that never finishes importing on the path.
func writeHang(t *testing.T) {
	p := filepath.Join(testdataDir(t), "py", "pstest_init_hang.py")
	if err := os.WriteFile(p, []byte("import time\ntime.sleep(3600)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(p) })
}

// startErr starts a pool that is expected to fail.
func startErr(t *testing.T, spec Spec) (*Client, *logBuf, error) {
	t.Helper()
	c, err := NewClient("")
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuf{}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, err := Start(ctx, c, spec, zerolog.New(logs))
	if err == nil {
		p.Stop(5 * time.Second)
		t.Fatalf("Start succeeded")
	}
	return c, logs, err
}

// lineOf is the line of file that starts with prefix.
func lineOf(t *testing.T, file, prefix string) int {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, prefix) {
			return i + 1
		}
	}
	t.Fatalf("no %q in %s", prefix, file)
	return 0
}

// noHostProcesses fails the test if a process of c's pool is running.
func noHostProcesses(t *testing.T, c *Client) {
	t.Helper()
	if pids := hostProcesses(c.dir); len(pids) != 0 {
		t.Errorf("processes of the pool are left: %v", pids)
	}
	if _, err := os.Stat(c.dir); !os.IsNotExist(err) {
		t.Errorf("the directory %s is left: %v", c.dir, err)
	}
}

// hostProcesses lists the live processes whose command line names dir
// (the host module's directory).
func hostProcesses(dir string) []int {
	ds, _ := os.ReadDir("/proc")
	var out []int
	for _, d := range ds {
		var pid int
		if _, err := fmt.Sscanf(d.Name(), "%d", &pid); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + d.Name() + "/cmdline")
		if err != nil || !strings.Contains(string(b), dir) {
			continue
		}
		if st, err := os.ReadFile("/proc/" + d.Name() + "/stat"); err == nil {
			if i := strings.LastIndexByte(string(st), ')'); i > 0 && len(st) > i+2 && st[i+2] == 'Z' {
				continue
			}
		}
		out = append(out, pid)
	}
	return out
}
