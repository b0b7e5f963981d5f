package bridge

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pasteserve/pasteserve/apps"
)

// The edges of the environ and of the pool's errors: what a client
// sends that Go's server accepts and gunicorn alone would pass on as it
// is (no Host, escapes in the path), what an app answers that gunicorn
// refuses to send, and what a load that fails or hangs says.

// pyTail writes a paste file with the one section, [section], in a new
// directory, and returns the tail of it named name, loaded with the
// file's directory on sys.path (for a module the test writes there,
// writeModule) after testdata/py (psenv).
func pyTail(t *testing.T, section, name, body string) (Tail, Spec) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "edges.ini")
	if err := os.WriteFile(file, []byte("["+section+"]\n"+body), 0o644); err != nil {
		t.Fatal(err)
	}
	tl := Whole(file, name, nil)
	tl.Section = section
	spec := testSpec(t, tl)
	spec.Workers = 1
	spec.PasteFile = file
	spec.Path = append(spec.Path, dir)
	return tl, spec
}

// writeModule writes a Python module in the directory of the tail's
// paste file.
func writeModule(t *testing.T, tl Tail, name, src string) string {
	t.Helper()
	path := filepath.Join(filepath.Dir(tl.File), name+".py")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// envTail is the tail of psenv's app, which answers with its environ.
func envTail(t *testing.T) (Tail, Spec) {
	return pyTail(t, "app:env", "env", "paste.app_factory = psenv:app_factory\n")
}

// gunicornAlone serves psenv under gunicorn alone, with the bridge's
// worker class, on a TCP port of 127.0.0.1, for as long as the test
// runs, and returns its address.
func gunicornAlone(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(python(), "-m", "gunicorn", "--bind", addr, "--workers", "1", "--worker-class", "gthread", "--threads", "2", "psenv:application")
	cmd.Env = append(os.Environ(), "PYTHONPATH="+filepath.Join(testdataDir(t), "py"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
	if !waitFor(30*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	}) {
		t.Fatalf("gunicorn alone does not listen on %s", addr)
	}
	return addr
}

// rawEnviron sends req byte for byte to addr and returns the environ
// psenv reports.
func rawEnviron(t *testing.T, addr, req string) map[string]string {
	t.Helper()
	resp, body := rawRequest(t, "tcp", addr, req)
	var e map[string]string
	if err := jsonUnmarshal(body, &e); resp.StatusCode != 200 || err != nil {
		t.Fatalf("%q to %s: %s %q (%v)", req, addr, resp.Status, body, err)
	}
	return e
}

// A request without Host (HTTP/1.0 allows it) reaches the app as under
// gunicorn alone: without HTTP_HOST, and with SERVER_NAME and
// SERVER_PORT the address the client connected to (gunicorn's own
// listening address; Go's, behind the bridge). Before, the app got
// HTTP_HOST and SERVER_NAME "python", the name of the socket's
// pseudo-host.
func TestNoHostIsAsUnderGunicornAlone(t *testing.T) {
	tl, spec := envTail(t)
	_, c, _ := startPool(t, spec)
	srv := httptest.NewServer(c.Handler(tl))
	defer srv.Close()
	alone := gunicornAlone(t)
	for _, side := range []struct{ name, addr string }{{"gunicorn alone", alone}, {"bridge", srv.Listener.Addr().String()}} {
		e := rawEnviron(t, side.addr, "GET /x HTTP/1.0\r\n\r\n")
		host, port, _ := net.SplitHostPort(side.addr)
		if h, ok := e["HTTP_HOST"]; ok {
			t.Errorf("%s: HTTP_HOST = %q for a request without Host", side.name, h)
		}
		if e["SERVER_NAME"] != host || e["SERVER_PORT"] != port {
			t.Errorf("%s: SERVER_NAME, SERVER_PORT = %q, %q, want %q, %q (where the client connected)", side.name, e["SERVER_NAME"], e["SERVER_PORT"], host, port)
		}
	}
	// With a Host, it is the Host's, as before.
	e := rawEnviron(t, srv.Listener.Addr().String(), "GET /x HTTP/1.0\r\nHost: api.example.com:8774\r\n\r\n")
	if e["HTTP_HOST"] != "api.example.com:8774" || e["SERVER_NAME"] != "api.example.com" || e["SERVER_PORT"] != "8774" {
		t.Errorf("with a Host: HTTP_HOST %q, SERVER_NAME %q, SERVER_PORT %q", e["HTTP_HOST"], e["SERVER_NAME"], e["SERVER_PORT"])
	}
}

// RAW_URI is the request target as the client sent it, its escapes and
// its query as they were, also behind Go's urlmap, which splits the
// decoded path: what gunicorn alone puts there. PATH_INFO and
// SCRIPT_NAME stay decoded. Before, Go re-escaped the joined path
// ("/v2.0/a/bA" for "/v2.0/a%2Fb%41").
func TestRawURIIsWhatTheClientSent(t *testing.T) {
	tl, spec := envTail(t)
	_, c, _ := startPool(t, spec)
	h := c.Handler(tl)
	m, err := apps.NewURLMap(apps.URLMapOptions{Routes: map[string]http.Handler{"/v2.0": h, "/": h}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	defer srv.Close()
	alone := gunicornAlone(t)
	for _, tc := range []struct{ target, script, path, query string }{
		{"/v2.0/a%2Fb%41?x=1", "/v2.0", "/a/bA", "x=1"},
		{"/v%32.0/%7Euser/x%3By", "/v2.0", "/~user/x;y", ""},
		{"/top%20level/%C3%A9", "", latin1("/top level/é"), ""},
		// A query net/url cannot parse, which ReverseProxy would clean.
		{"/v2.0/q?b=2;a=1&c=%zz", "/v2.0", "/q", "b=2;a=1&c=%zz"},
	} {
		req := "GET " + tc.target + " HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n\r\n"
		e := rawEnviron(t, srv.Listener.Addr().String(), req)
		if e["RAW_URI"] != tc.target || e["SCRIPT_NAME"] != tc.script || e["PATH_INFO"] != tc.path || e["QUERY_STRING"] != tc.query {
			t.Errorf("%s: RAW_URI %q, SCRIPT_NAME %q, PATH_INFO %q, QUERY_STRING %q; want %q, %q, %q, %q",
				tc.target, e["RAW_URI"], e["SCRIPT_NAME"], e["PATH_INFO"], e["QUERY_STRING"], tc.target, tc.script, tc.path, tc.query)
		}
		a := rawEnviron(t, alone, req)
		if a["RAW_URI"] != e["RAW_URI"] || a["QUERY_STRING"] != e["QUERY_STRING"] || a["PATH_INFO"] != tc.script+tc.path {
			t.Errorf("%s: gunicorn alone gives RAW_URI %q, QUERY_STRING %q, PATH_INFO %q; the bridge %q, %q, %q",
				tc.target, a["RAW_URI"], a["QUERY_STRING"], a["PATH_INFO"], e["RAW_URI"], e["QUERY_STRING"], e["PATH_INFO"])
		}
	}
}

// A response header whose value holds a CR or LF, which gunicorn
// refuses to send: the client gets a bare 500, as for an exception in
// the app, and the log has it with the request id. Before, gunicorn
// answered 400 Bad Request, blaming the client, with the header's
// value in the body.
func TestBadResponseHeaderIsA500(t *testing.T) {
	tl, spec := envTail(t)
	_, c, logs := startPool(t, spec)
	srv := httptest.NewServer(withID("req-badheader", c.Handler(tl)))
	defer srv.Close()
	resp, body := rawRequest(t, "tcp", srv.Listener.Addr().String(), "GET /badheader HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if resp.StatusCode != 500 || strings.Contains(body, "Injected") || strings.Contains(body, "Invalid") || resp.Header.Get("X-Injected") != "" || resp.Header.Get("X-Psenv") != "" {
		t.Errorf("GET /badheader = %s %q %v, want a bare 500", resp.Status, body, resp.Header)
	}
	if !logs.waitLog(5*time.Second, `"request_id":"req-badheader"`, "InvalidHeader") {
		t.Errorf("the bad header is not logged with the request id:\n%s", logs)
	}
	// The worker serves on.
	if e := rawEnviron(t, srv.Listener.Addr().String(), "GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); e["PATH_INFO"] != "/x" {
		t.Errorf("after the bad header: %v", e)
	}
}

// A SyntaxError in a module the app imports is placed at the section
// that failed, and the message says where in the Python file:
// file:line:col. Before, only the section was named.
func TestSyntaxErrorSaysWhereInPython(t *testing.T) {
	tl, spec := pyTail(t, "app:broken", "broken", "paste.app_factory = psbroken:app_factory\n")
	mod := writeModule(t, tl, "psbroken", "def app_factory(global_conf, **local):\n    return (\n")
	c, logs, err := startErr(t, spec)
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("Start: %v, want a *LoadError\n%s", err, logs)
	}
	want := regexp.MustCompile(`^` + regexp.QuoteMeta(tl.File+":1:1: [app:broken]: SyntaxError: '(' was never closed ("+mod+":2:") + `\d+\)$`)
	if !want.MatchString(le.Error()) {
		t.Errorf("Error() = %q\nwant       %s", le.Error(), want)
	}
	noHostProcesses(t, c)
}

// A start that runs past start_timeout says what the workers were
// loading: the tail, at its section, or the init. Before, it said only
// that they did not load in time.
func TestStartTimeoutSaysWhatWasLoading(t *testing.T) {
	tl, spec := pyTail(t, "app:slow", "slow", "paste.app_factory = psslow:app_factory\n")
	writeModule(t, tl, "psslow", "import time\n\ndef app_factory(global_conf, **local):\n    time.sleep(3600)\n")
	spec.StartTimeout = 5 * time.Second
	c, logs, err := startErr(t, spec)
	var le *LoadError
	if !errors.As(err, &le) || le.Section != "app:slow" || le.Error() != tl.File+":1:1: [app:slow]: still loading after 5s (start_timeout)" {
		t.Errorf("Start: %v, want a LoadError at [app:slow] that says it was still loading\n%s", err, logs)
	}
	noHostProcesses(t, c)

	spec.Init = "pstest_init_hang"
	writeHang(t)
	c, logs, err = startErr(t, spec)
	if !errors.As(err, &le) || le.Init != "pstest_init_hang" || le.Error() != "python init pstest_init_hang: still loading after 5s (start_timeout)" {
		t.Errorf("Start: %v, want a LoadError of the init that says it was still loading\n%s", err, logs)
	}
	noHostProcesses(t, c)
}
