package bridgeaccept

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// pyrdemo is what pyrdemo's home view reports of its request.
type pyrdemo struct {
	Greeting       string   `json:"greeting"`
	ApplicationURL string   `json:"application_url"`
	HelloURL       string   `json:"hello_url"`
	ScriptName     string   `json:"script_name"`
	PathInfo       string   `json:"path_info"`
	URLScheme      string   `json:"url_scheme"`
	HTTPHost       string   `json:"http_host"`
	RemoteAddr     string   `json:"remote_addr"`
	RequestID      string   `json:"request_id"`
	Stamp          string   `json:"stamp"`
	PasteserveKeys []string `json:"pasteserve_keys"`
}

// TestPyramid serves testdata/pyramid/development.ini unchanged with
// pasteserve --python. The file is a Pyramid project's, as pserve and
// gunicorn --paste serve it: egg:pyrdemo (the app, found through
// pyrdemo-1.0.dist-info's entry points on PYTHONPATH), egg:pyrdemo#stamp
// (a Python filter) after Go's request_id and http_proxy_to_wsgi, one
// pipeline mounted at / and /pyr by a urlmap that runs in Go, an oslo
// healthcheck that runs in Go, a [server:main] for waitress, and
// [loggers]/[handlers]/[formatters].
func TestPyramid(t *testing.T) {
	skipUnlessPython(t, "Pyramid behind pasteserve", "python3-pyramid", "pyramid.config")
	skipUnlessPython(t, "Pyramid behind pasteserve", "python3-gunicorn", "gunicorn.app.base")
	skipUnlessPython(t, "Pyramid behind pasteserve", "python3-pastedeploy python3-oslo.middleware", "paste.deploy", "oslo_middleware")
	pyPath, _ := filepath.Abs("testdata/pyramid")
	paste := filepath.Join(pyPath, "development.ini")
	dir := t.TempDir()
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	start := time.Now()
	p := run(t, "pasteserve", dir, []string{"PYTHONPATH=" + pyPath, "PYTHONDONTWRITEBYTECODE=1"},
		pasteserve, "--paste", paste, "--python", python, "--bind", fmt.Sprintf("127.0.0.1:%d", port))
	waitHTTP(t, p, base+"/healthcheck", 200, 60*time.Second)
	t.Logf("pasteserve --python served %s after %s", paste, time.Since(start).Round(10*time.Millisecond))

	home := func(path string, header ...string) (pyrdemo, response) {
		t.Helper()
		r := do(t, "GET", base+path, nil, header...)
		var v pyrdemo
		if r.status != 200 || json.Unmarshal([]byte(r.body), &v) != nil {
			t.Fatalf("GET %s = %d %v %s", path, r.status, r.header, r.body)
		}
		return v, r
	}

	// Under the urlmap's /pyr: Pyramid's URLs carry the prefix Go's
	// urlmap split off, and the scheme Go's http_proxy_to_wsgi read.
	v, r := home("/pyr/", "X-Forwarded-Proto", "https")
	want := pyrdemo{
		Greeting:       "hello from pyramid",
		ApplicationURL: "https://127.0.0.1:" + fmt.Sprint(port) + "/pyr",
		HelloURL:       "https://127.0.0.1:" + fmt.Sprint(port) + "/pyr/hello/world",
		ScriptName:     "/pyr", PathInfo: "/", URLScheme: "https",
		HTTPHost: fmt.Sprintf("127.0.0.1:%d", port), RemoteAddr: "127.0.0.1",
		RequestID: r.header.Get("X-Openstack-Request-Id"), Stamp: "from-development-ini", PasteserveKeys: []string{},
	}
	if fmt.Sprint(v) != fmt.Sprint(want) || !regexp.MustCompile(`^req-[0-9a-f-]{36}$`).MatchString(v.RequestID) {
		t.Errorf("GET /pyr/ (X-Forwarded-Proto: https):\n got %+v\nwant %+v", v, want)
	}
	if got := r.header.Get("X-Pyrdemo-Stamp"); got != "from-development-ini" {
		t.Errorf("GET /pyr/: X-Pyrdemo-Stamp = %q: the Python filter did not run", got)
	}
	// The file's [formatters] format the app's log line, and it reaches
	// pasteserve's log.
	logLine := "PYRDEMO-LOG INFO  [pyrdemo] home view, request id " + v.RequestID
	if !eventually(func() bool { return strings.Contains(p.output(), logLine) }, 5*time.Second) {
		t.Errorf("no %q in pasteserve's log:\n%s", logLine, tail(p.output(), 30))
	}

	// At the root, no prefix.
	v, _ = home("/")
	if v.ScriptName != "" || v.PathInfo != "/" || v.ApplicationURL != base || v.HelloURL != base+"/hello/world" || v.URLScheme != "http" {
		t.Errorf("GET /: %+v", v)
	}
	if r := do(t, "GET", base+"/pyr/hello/bob", nil); r.status != 200 || r.body != `{"hello": "bob", "url": "`+base+`/pyr/hello/bob"}` {
		t.Errorf("GET /pyr/hello/bob = %d %s", r.status, r.body)
	}

	// A client's own carrier header, under either spelling gunicorn
	// reads alike, changes nothing: the app sees Go's split.
	v, _ = home("/pyr/", "X-Pasteserve-Wsgi", "e30.AAAA", "X_Pasteserve_Wsgi", "e30.AAAA")
	if v.ScriptName != "/pyr" || v.PathInfo != "/" || len(v.PasteserveKeys) != 0 {
		t.Errorf("GET /pyr/ with a forged carrier: %+v", v)
	}

	// A chunked request body, streamed in, and a streamed answer.
	pr, pw := io.Pipe()
	go func() {
		for i := 0; i < 100; i++ {
			fmt.Fprintf(pw, "line %03d of the chunked body\n", i)
		}
		pw.Close()
	}()
	r = do(t, "POST", base+"/pyr/echo", pr, "Content-Type", "application/octet-stream")
	if r.status != 200 || r.header.Get("X-Echo-Length") != "2900" || !strings.HasPrefix(r.body, "line 000 of") || len(r.body) != 2900 {
		t.Errorf("POST /pyr/echo (chunked) = %d %v, %d bytes", r.status, r.header, len(r.body))
	}
	if r := do(t, "GET", base+"/pyr/stream", nil); r.status != 200 || r.body != "chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n" {
		t.Errorf("GET /pyr/stream = %d %q", r.status, r.body)
	}

	// An exception in a view: the 500 gunicorn answers, no traceback in
	// it; the traceback goes to pasteserve's log with the request id.
	r = do(t, "GET", base+"/pyr/boom", nil)
	if r.status != 500 || strings.Contains(r.body, "Traceback") || strings.Contains(r.body, "pyrdemo boom view") {
		t.Errorf("GET /pyr/boom = %d %s", r.status, r.body)
	}
	id := r.header.Get("X-Openstack-Request-Id")
	if !eventually(func() bool {
		for _, line := range strings.Split(p.output(), "\n") {
			if strings.Contains(line, "RuntimeError: pyrdemo boom view") && strings.Contains(line, id) {
				return true
			}
		}
		return false
	}, 5*time.Second) {
		t.Errorf("no log line with the traceback and request id %q:\n%s", id, tail(p.output(), 30))
	}

	// graph says which parts run where.
	out := command(t, time.Minute, dir, []string{"PYTHONPATH=" + pyPath}, pasteserve, "graph", "--paste", paste, "--python", python)
	for _, re := range []string{
		`(?m)^\[composite:main\] .*\[Go\]`,
		`(?m)\[filter:request_id\] .*\[Go\]`,
		`(?m)\[filter:http_proxy_to_wsgi\] .*\[Go\]`,
		`(?m)\[filter:stamp\] .*\[Python\]`,
		`(?m)\[app:pyrdemo\] .*\[Python\]`,
		`(?m)\[app:healthcheck\] .*\[Go\]`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("pasteserve graph: no line matching %s:\n%s", re, out)
		}
	}
	if t.Failed() {
		t.Logf("pasteserve's log:\n%s", tail(p.output(), 80))
	}
}

// eventually polls cond every 20 ms for at most timeout.
func eventually(cond func() bool, timeout time.Duration) bool {
	for deadline := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}
