package bridge

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/filters"
	"github.com/pasteserve/pasteserve/loader"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/request"
)

// report is what the test app (testdata/py/pstest) answers: what it was
// made with, the filters the request went through in Python, and what
// it found in its environ and process.
type report struct {
	App            conf              `json:"app"`
	Chain          []conf            `json:"chain"`
	Environ        map[string]string `json:"environ"`
	PasteserveKeys []string          `json:"pasteserve_keys"`
	Pid            int               `json:"pid"`
	InitArgs       []string          `json:"init_args"`
	InitImported   bool              `json:"init_imported"`
	Env            map[string]string `json:"env"`
	SysPath        []string          `json:"sys_path"`
}

type conf struct {
	Name   string            `json:"name"`
	Local  map[string]string `json:"local"`
	Global map[string]string `json:"global"`
}

func getReport(t *testing.T, c *http.Client, req *http.Request) report {
	t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s: %s\n%s", req.Method, req.URL, resp.Status, body)
	}
	var r report
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return r
}

// seen is what Go had set on a request when it reached the bridge.
type seen struct {
	scriptName, path, scheme, host, remoteAddr, id, globalID string
}

// capture records what Go set on each request before h gets it.
type capture struct {
	mu   sync.Mutex
	last seen
	h    http.Handler
}

func (c *capture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.last = seen{request.ScriptName(r), r.URL.Path, request.Scheme(r), r.Host, r.RemoteAddr, request.ID(r.Context()), request.GlobalID(r.Context())}
	c.mu.Unlock()
	c.h.ServeHTTP(w, r)
}

func (c *capture) get() seen {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// latin1 is s's bytes as WSGI's native string: one rune a byte.
func latin1(s string) string {
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

// The environ the Python app gets says what Go's urlmap, its
// http_proxy_to_wsgi and its request_id set: the script name and path
// as the urlmap split them (bytes outside ASCII included), the scheme
// and host the proxy headers gave, the client's address and port, the
// request id and the global id.
func TestEnvironIsWhatGoSet(t *testing.T) {
	tl := tail(t, "main", 0, nil)
	_, c, _ := startPool(t, testSpec(t, tl))
	capt := &capture{h: c.Handler(tl)}
	m, err := apps.NewURLMap(apps.URLMapOptions{Routes: map[string]http.Handler{"/v2.0": capt}})
	if err != nil {
		t.Fatal(err)
	}
	proxy, _ := filters.NewProxyHeaders(filters.ProxyHeadersOptions{EnableProxyHeadersParsing: true})
	rid, _ := filters.NewRequestID(filters.RequestIDOptions{})
	srv := httptest.NewServer(rid(proxy(m)))
	defer srv.Close()

	check := func(t *testing.T, r report, s seen, remotePort string) {
		t.Helper()
		e := r.Environ
		for _, c := range []struct{ key, got, want string }{
			{"SCRIPT_NAME", e["SCRIPT_NAME"], latin1(s.scriptName)},
			{"PATH_INFO", e["PATH_INFO"], latin1(s.path)},
			{"wsgi.url_scheme", e["wsgi.url_scheme"], s.scheme},
			{"HTTP_HOST", e["HTTP_HOST"], s.host},
			{"REMOTE_ADDR", e["REMOTE_ADDR"], strings.Split(s.remoteAddr, ":")[0]},
			{"REMOTE_PORT", e["REMOTE_PORT"], remotePort},
			{"openstack.request_id", e["openstack.request_id"], s.id},
			{"openstack.global_request_id", e["openstack.global_request_id"], s.globalID},
		} {
			if c.got != c.want {
				t.Errorf("%s = %q, Go set %q", c.key, c.got, c.want)
			}
		}
		if len(r.PasteserveKeys) != 0 {
			t.Errorf("the app sees the carrier: %q", r.PasteserveKeys)
		}
	}

	t.Run("direct", func(t *testing.T) {
		// The client's own port, from its side of the connection.
		var local string
		client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, n, a string) (net.Conn, error) {
			conn, err := (&net.Dialer{}).DialContext(ctx, n, a)
			if err == nil {
				local = conn.LocalAddr().String()
			}
			return conn, err
		}}}
		req, _ := http.NewRequest("GET", srv.URL+"/v2.0/networks/%C3%BC%20x?q=1", nil)
		global := "req-11111111-2222-4333-8444-555555555555"
		req.Header.Set("X-Openstack-Request-Id", global)
		r := getReport(t, client, req)
		s := capt.get()
		_, port, _ := net.SplitHostPort(local)
		check(t, r, s, port)
		// And what that is, so that the comparison above is not of two
		// empty strings.
		if want := map[string]string{"SCRIPT_NAME": "/v2.0", "PATH_INFO": latin1("/networks/ü x"), "wsgi.url_scheme": "http",
			"SERVER_NAME": "127.0.0.1", "SERVER_PORT": strings.Split(srv.Listener.Addr().String(), ":")[1],
			"REMOTE_ADDR": "127.0.0.1", "QUERY_STRING": "q=1", "openstack.global_request_id": global}; !subset(r.Environ, want) {
			t.Errorf("environ %v, want %v in it", r.Environ, want)
		}
		if !request.ValidID(r.Environ["openstack.request_id"]) {
			t.Errorf("openstack.request_id %q", r.Environ["openstack.request_id"])
		}
	})

	t.Run("proxied", func(t *testing.T) {
		req, _ := http.NewRequest("GET", srv.URL+"/v2.0/ports", nil)
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("X-Forwarded-Host", "api.example.com")
		req.Header.Set("X-Forwarded-For", "203.0.113.7, 10.0.0.1")
		req.Header.Set("X-Forwarded-Prefix", "/network")
		r := getReport(t, nil, req)
		s := capt.get()
		// http_proxy_to_wsgi leaves a bare address: the port is not known.
		check(t, r, s, "")
		if want := map[string]string{"SCRIPT_NAME": "/network/v2.0", "PATH_INFO": "/ports", "wsgi.url_scheme": "https",
			"HTTP_HOST": "api.example.com", "SERVER_NAME": "api.example.com", "SERVER_PORT": "443", "REMOTE_ADDR": "203.0.113.7",
			// The headers themselves reach Python as the client sent them.
			"HTTP_X_FORWARDED_FOR": "203.0.113.7, 10.0.0.1", "HTTP_X_FORWARDED_PROTO": "https"}; !subset(r.Environ, want) {
			t.Errorf("environ %v, want %v in it", r.Environ, want)
		}
	})
}

func subset(m, want map[string]string) bool {
	for k, v := range want {
		if m[k] != v {
			return false
		}
	}
	return true
}

// oracle loads each name of file whole with PasteDeploy's loadapp, in
// Python, calls it once, and returns the test app's reports: what
// PasteDeploy itself gives each filter and app.
func oracle(t *testing.T, file string, names ...string) map[string]report {
	t.Helper()
	const script = `
import json, sys
from paste.deploy import loadapp
out = {}
for n in sys.argv[2:]:
    app = loadapp("config:" + sys.argv[1], name=n)
    env = {"PATH_INFO": "/", "SCRIPT_NAME": "", "REQUEST_METHOD": "GET", "QUERY_STRING": ""}
    out[n] = json.loads(b"".join(app(env, lambda s, h, e=None: None)))
print(json.dumps(out))
`
	cmd := exec.Command(python(), append([]string{"-c", script, file}, names...)...)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+filepath.Join(testdataDir(t), "py"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the oracle: %v\n%s", err, stderrOf(err))
	}
	var r map[string]report
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

// goGlobal is the global_conf Go's resolution gives the object that
// find picks in the plan of name: what a nested tail is loaded with.
func goGlobal(t *testing.T, file, name string, find func(*plan.Node) *plan.Node) map[string]string {
	t.Helper()
	set, err := loader.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	n, err := set.Resolver(nil).Resolve(file, name, plan.TypeApp, nil)
	if err != nil {
		t.Fatal(err)
	}
	n = find(n)
	if n == nil {
		t.Fatalf("no such node in the plan of %s", name)
	}
	return n.Global
}

// Each tail's filters and app get the local_conf and global_conf that
// PasteDeploy gives them when it loads the whole file: pipelines,
// filter-with on an app and on a filter, filter-app, use chains,
// [DEFAULT], set, and tails that start after Go's filters (skip) or
// deeper in the plan (a nested app, with the global_conf Go's
// resolution gives it).
func TestConfIsPasteDeploys(t *testing.T) {
	needPython(t)
	file := filepath.Join(testdataDir(t), "tails.ini")
	want := oracle(t, file, "main", "withfilter", "fa")
	// The app of pipeline pipe2, inside filter-app fa.
	app2 := goGlobal(t, file, "fa", func(n *plan.Node) *plan.Node { return n.App.App })
	app1 := goGlobal(t, file, "main", func(n *plan.Node) *plan.Node { return n.App })
	cases := []struct {
		tail Tail
		root string
		skip int // of the root's flattened filters
	}{
		{tail(t, "main", 0, nil), "main", 0},
		{tail(t, "main", 2, nil), "main", 2},
		{tail(t, "main", 3, nil), "main", 3},
		{tail(t, "withfilter", 0, nil), "withfilter", 0},
		{tail(t, "withfilter", 1, nil), "withfilter", 1},
		{tail(t, "withfilter", 2, nil), "withfilter", 2},
		{tail(t, "fa", 0, nil), "fa", 0},
		{tail(t, "fa", 1, nil), "fa", 1},
		{tail(t, "fa", 2, nil), "fa", 2},
		{tail(t, "app2", 0, app2), "fa", 2},
		{tail(t, "app1", 0, app1), "main", 3},
	}
	var tails []Tail
	for _, c := range cases {
		tails = append(tails, c.tail)
	}
	_, cl, _ := startPool(t, testSpec(t, tails...))
	for _, c := range cases {
		srv := httptest.NewServer(cl.Handler(c.tail))
		req, _ := http.NewRequest("GET", srv.URL+"/", nil)
		got := getReport(t, nil, req)
		srv.Close()
		w := want[c.root]
		if len(w.Chain) < c.skip {
			t.Fatalf("%s: the oracle has %d filters", c.root, len(w.Chain))
		}
		if d := cmp.Diff(w.App, got.App); d != "" {
			t.Errorf("tail %s skip %d: the app's conf differs from PasteDeploy's (-want +got):\n%s", c.tail.Name, c.tail.Skip, d)
		}
		if d := cmp.Diff(w.Chain[c.skip:], got.Chain, cmpEmpty); d != "" {
			t.Errorf("tail %s skip %d: the filters differ from PasteDeploy's (-want +got):\n%s", c.tail.Name, c.tail.Skip, d)
		}
	}
}

var cmpEmpty = cmp.Transformer("nilIsEmpty", func(c []conf) []conf {
	if c == nil {
		return []conf{}
	}
	return c
})
