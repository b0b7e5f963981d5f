package bridge

import (
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
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/build"
	"github.com/pasteserve/pasteserve/factory"
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
	tl := tail(t, "main")
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

// oracle loads file's main whole with PasteDeploy's loadapp, in Python,
// with testdata/goonly on the path (the originals of what Go runs),
// calls it once for each path, and returns the test app's reports:
// what PasteDeploy itself gives each filter and app.
func oracle(t *testing.T, file string, paths ...string) map[string]report {
	t.Helper()
	const script = `
import json, sys
from paste.deploy import loadapp
app = loadapp("config:" + sys.argv[1])
out = {}
for p in sys.argv[2:]:
    env = {"PATH_INFO": p, "SCRIPT_NAME": "", "REQUEST_METHOD": "GET", "QUERY_STRING": "", "HTTP_HOST": "localhost", "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
    out[p] = json.loads(b"".join(app(env, lambda s, h, e=None: None)))
print(json.dumps(out))
`
	cmd := exec.Command(python(), append([]string{"-c", script, file}, paths...)...)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+filepath.Join(testdataDir(t), "py")+":"+filepath.Join(testdataDir(t), "goonly"))
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

// namesRegistry is what Go runs of testdata/names.ini: its g* filters
// (by their references, pstest_goonly's and pasteserve's own), Paste's
// urlmap, and pstest's pipeline selector, which, as Go's OpenStack
// selectors, has the keystone pipeline as its one child.
func namesRegistry() *factory.Registry {
	reg := &factory.Registry{}
	pass := func(cfg *factory.Config) (factory.Middleware, error) {
		return func(h http.Handler) http.Handler { return h }, nil
	}
	reg.Register(factory.Factory{Name: "gofilter", Namespace: "pasteserve", Kind: factory.KindFilter, Aliases: []string{"pstest_goonly:filter_factory"}, Filter: pass})
	none := func(factory.Loader, *factory.Config) (http.Handler, error) { return nil, nil } // Tails builds nothing
	reg.Register(factory.Factory{Name: "mount", Namespace: "pasteserve", Kind: factory.KindComposite, Aliases: []string{"egg:Paste#urlmap"},
		Children: func(cfg *factory.Config) map[string]string { return cfg.Local }, Composite: none})
	reg.Register(factory.Factory{Name: "selector", Namespace: "pasteserve", Kind: factory.KindComposite, Aliases: []string{"call:pstest:pipeline_factory"},
		Children: func(cfg *factory.Config) map[string]string {
			return map[string]string{"keystone": cfg.Local["keystone"]}
		},
		Composite: none})
	return reg
}

// bridgeTail is server's conversion of a build.Tail.
func bridgeTail(bt build.Tail) Tail {
	t := Tail{File: bt.File, Defaults: bt.Defaults, Global: bt.Global, FiltersFirst: bt.FiltersFirst, Section: bt.Root.Section}
	for _, e := range bt.Elements {
		t.Elements = append(t.Elements, Element{Type: e.Type, Name: e.Name, Skip: e.Skip, Keep: e.Keep})
	}
	t.Key = TailKey(t)
	return t
}

// Each tail's filters and app get the local_conf and global_conf that
// PasteDeploy gives them when it loads the whole file, for tails as Go
// splits the chains of testdata/names.ini: after Go's filters in a
// pipeline, inside filter-with on an app, on a pipeline item and on a
// filter, at and after a filter-app's next, inside a nested pipeline,
// and in a pipeline selector's inline pipelines, with [DEFAULT], set in
// each kind of section and use chains. Go's filters there have
// references that the pool's Python cannot import (pstest_goonly,
// egg:pasteserve#gofilter): it loads and serves all the same, because it
// resolves only what it runs.
func TestConfIsPasteDeploys(t *testing.T) {
	needPython(t)
	file := filepath.Join(testdataDir(t), "names.ini")
	reg := namesRegistry()
	set, err := loader.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	n, err := set.Resolver(reg).Resolve(file, "main", plan.TypeApp, nil)
	if err != nil {
		t.Fatal(err)
	}
	tails, err := build.Options{File: file}.Tails(n, reg)
	if err != nil {
		t.Fatal(err)
	}
	// Each tail by the path of the urlmap that reaches it.
	paths := map[string]build.Tail{}
	for _, bt := range tails {
		for p, c := range n.Children {
			if c == bt.Root || c != nil && c.Children["keystone"] == bt.Root {
				paths[p] = bt
			}
		}
	}
	var list []string
	for p := range n.Children {
		list = append(list, p)
	}
	sort.Strings(list)
	if len(paths) != len(list) {
		t.Fatalf("tails for %d of the %d paths", len(paths), len(list))
	}
	want := oracle(t, file, list...)
	var spec []Tail
	for _, p := range list {
		spec = append(spec, bridgeTail(paths[p]))
	}
	_, cl, _ := startPool(t, testSpec(t, spec...))
	if err := exec.Command(python(), "-c", "import pstest_goonly").Run(); err == nil {
		t.Fatal("the pool's Python can import pstest_goonly: the test proves nothing")
	}
	for i, p := range list {
		bt := paths[p]
		srv := httptest.NewServer(cl.Handler(spec[i]))
		req, _ := http.NewRequest("GET", srv.URL+"/", nil)
		got := getReport(t, nil, req)
		srv.Close()
		w := want[p]
		if len(w.Chain) < bt.Skip {
			t.Fatalf("%s: the oracle has %d filters, Go runs %d", p, len(w.Chain), bt.Skip)
		}
		if d := cmp.Diff(w.App, got.App); d != "" {
			t.Errorf("%s (%s): the app's conf differs from PasteDeploy's (-want +got):\n%s", p, describe(n, bt), d)
		}
		if d := cmp.Diff(w.Chain[bt.Skip:], got.Chain, cmpEmpty); d != "" {
			t.Errorf("%s (%s): the filters differ from PasteDeploy's (-want +got):\n%s", p, describe(n, bt), d)
		}
	}
	// The forms Go chose, so that the test above covers each of them.
	var forms []string
	for _, p := range list {
		forms = append(forms, p+" "+describe(n, paths[p]))
	}
	wantForms := []string{
		"/fa names [p3 app2] global of pipeline:pipe2",
		"/fa2 names [app1] global of filter-app:fa2",
		"/fw names [fwapp/1+2] global of composite:main",
		"/fw2 names [fwapp2/1+1] global of composite:main",
		"/fw3 names [fwapp3/2+2] global of composite:main",
		"/fwpipe names [pfw/1+1 app1] global of pipeline:fwpipe",
		"/inc names [p5 incapp] global of pipeline:incpipe, defaults of composite:main",
		"/pipe names [p1 p2 app1] global of pipeline:pipe",
		"/py names [app1] global of composite:main",
		"/sel names [p1 p2 app1] global none, filters first",
		"/selfw names [pfw/1+1 app1] global none, filters first",
	}
	if d := cmp.Diff(wantForms, forms); d != "" {
		t.Errorf("tails (-want +got):\n%s", d)
	}
}

// describe says what a tail of the plan root loads: its elements
// (name/skip+keep where it skips), whose global configuration they get
// (the structure of root with that one), and the order of making.
func describe(root *plan.Node, bt build.Tail) string {
	var es []string
	for _, e := range bt.Elements {
		if e.Skip > 0 {
			es = append(es, fmt.Sprintf("%s/%d+%d", e.Name, e.Skip, e.Keep))
		} else {
			es = append(es, e.Name)
		}
	}
	g := "none"
	if bt.Global != nil {
		g = "of ?"
		plan.Walk(root, func(x *plan.Node) {
			if g == "of ?" && x.Section != "" && (x.Kind != plan.NodeFactory || x.Children != nil) && cmp.Equal(x.Global, bt.Global) {
				g = "of " + x.Section
			}
		})
	}
	s := fmt.Sprintf("names %v global %s", es, g)
	if bt.Defaults != nil {
		d := "?"
		plan.Walk(root, func(x *plan.Node) {
			if d == "?" && x.Section != "" && x.Children != nil && cmp.Equal(x.Global, bt.Defaults) {
				d = x.Section
			}
		})
		s += ", defaults of " + d
	}
	if bt.FiltersFirst {
		s += ", filters first"
	}
	return s
}

var cmpEmpty = cmp.Transformer("nilIsEmpty", func(c []conf) []conf {
	if c == nil {
		return []conf{}
	}
	return c
})
