package apps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/options"
	"github.com/pasteserve/pasteserve/request"
)

// whoami answers with its name, the script name and the path it sees.
func init() {
	factory.Register(factory.Factory{Name: "whoami-test", Namespace: "pasteserve", Kind: factory.KindApp, App: func(cfg *factory.Config) (http.Handler, error) {
		name := cfg.String("name", "?")
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s sn=%q pi=%q", name, request.ScriptName(r), r.URL.Path)
		}), nil
	}})
}

func buildMap(t *testing.T, body string) (http.Handler, error) {
	t.Helper()
	src := "[composite:main]\nuse = egg:Paste#urlmap\n" + body
	for _, n := range []string{"root", "foo", "bar", "nf", "d1", "d2", "d3"} {
		src += fmt.Sprintf("[app:%s]\nuse = egg:pasteserve#whoami-test\nname = %s\n", n, n)
	}
	return buildPasteApp(t, src)
}

func serve(h http.Handler, host, path string) string {
	req := httptest.NewRequest("GET", "http://"+host+path, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return strings.TrimSpace(rec.Body.String())
}

func httptestGet(h http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec
}

// TestURLMap covers spec §7 (checklist 73-80).
func TestURLMap(t *testing.T) {
	h, err := buildMap(t, "/ = root\n/foo = foo\n/foo/bar = bar\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{"/foo", `foo sn="/foo" pi=""`},                     // 78: exact match
		{"/foo/", `foo sn="/foo" pi="/"`},                   // 78
		{"/foox", `root sn="" pi="/foox"`},                  // 78: segment boundary
		{"/FOO", `root sn="" pi="/FOO"`},                    // 78: case-sensitive
		{"//foo", `foo sn="/foo" pi=""`},                    // 75: // collapsed
		{"/foo//bar//baz/", `bar sn="/foo/bar" pi="/baz/"`}, // 76 longest first, 78 rest collapsed
		{"/", `root sn="" pi="/"`},                          // 75: "/" is the root catch-all
	} {
		if got := serve(h, "example.com", tc.path); got != tc.want {
			t.Errorf("GET %s = %s, want %s", tc.path, got, tc.want)
		}
	}
}

func TestURLMapNotFound(t *testing.T) {
	h, err := buildMap(t, "/foo = foo\nnot_found_app = nf\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := serve(h, "h", "/other"); got != `nf sn="" pi="/other"` { // 79
		t.Errorf("not_found_app: %s", got)
	}
	h, err = buildMap(t, "/foo = foo\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := serve(h, "h", "/other"); !strings.Contains(got, "404") { // 79
		t.Errorf("default not found: %s", got)
	}
}

func TestURLMapHosts(t *testing.T) {
	h, err := buildMap(t, "domain example.com /foo = d1\ndomain example.com port 8080 / = d2\n/ = root\ndomain Mixed.COM / = d3\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ host, path, want string }{
		{"example.com", "/foo/x", "d1"},    // 77: domain match
		{"EXAMPLE.com", "/foo", "d1"},      // 77: request host lower-cased
		{"example.com:8080", "/", "d2"},    // 77: host:port
		{"example.com:8080", "/foo", "d1"}, // 80: port-less entry matches any port and sorts first
		{"example.com", "/bar", "root"},    // falls back to domainless entries
		{"mixed.com", "/", "root"},         // 80: config domains are not lower-cased
		{"other.org", "/foo", "root"},
	} {
		if got := serve(h, tc.host, tc.path); !strings.HasPrefix(got, tc.want+" ") {
			t.Errorf("Host %s GET %s = %s, want %s", tc.host, tc.path, got, tc.want)
		}
	}
}

func TestURLMapKeyErrors(t *testing.T) {
	for key, want := range map[string]string{ // 74
		"foo":                    "not \"foo\"",
		"domain":                 "'domain' must be followed",
		"domain a domain b /":    "'domain' given twice",
		"port 80 /":              "you must also give a domain",
		"domain a port":          "'port' must be followed",
		"/a /b":                  "more than one path given",
		"domain a port 1 port 2": "'port' given twice",
	} {
		_, err := buildMap(t, key+" = foo\n")
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "api.ini:3:1:") {
			t.Errorf("key %q: error %v, want %q at 3:1", key, err, want)
		}
	}
}

func TestURLMapDuplicateKeysLastWins(t *testing.T) {
	h, err := buildMap(t, "/foo = foo\n/foo/ = bar\n") // 75 (m02)
	if err != nil {
		t.Fatal(err)
	}
	if got := serve(h, "h", "/foo"); !strings.HasPrefix(got, "bar ") {
		t.Errorf("GET /foo = %s, want bar", got)
	}
}

// From Go, two keys that name the same route are an error unless Order
// says which was written last; a bad key and a nil app are errors naming
// their keys.
func TestNewURLMapErrors(t *testing.T) {
	a, b := http.NotFoundHandler(), http.NotFoundHandler()
	if _, err := NewURLMap(URLMapOptions{Routes: map[string]http.Handler{"/foo": a, "/foo/": b}}); err == nil ||
		!strings.Contains(err.Error(), `names the same route as "/foo"`) {
		t.Errorf("duplicate without Order: %v", err)
	}
	if _, err := NewURLMap(URLMapOptions{Routes: map[string]http.Handler{"/foo": a, "/foo/": b}, Order: []string{"/foo/", "/foo"}}); err != nil {
		t.Errorf("duplicate with Order: %v", err)
	}
	_, err := NewURLMap(URLMapOptions{Routes: map[string]http.Handler{"foo": a, "/bar": nil}})
	var oe *options.Error
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), `foo: a urlmap key is a path`) || !strings.Contains(err.Error(), "/bar: has no app") {
		t.Errorf("bad keys: %v", err)
	}
}

// Over one connection's slots (request.ConnSlots, as pasteserve's server
// gives HTTP/1 requests), urlmap makes each request's mounted copy in the
// one it keeps there, and each request sees its own mount point and path;
// nested urlmaps each keep their own.
func TestURLMapKeptMountIsEachRequests(t *testing.T) {
	type seen struct{ script, path string }
	var got []seen
	leaf := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, seen{request.ScriptName(r), r.URL.Path})
	})
	inner, err := NewURLMap(URLMapOptions{Routes: map[string]http.Handler{"/ports": leaf, "/": leaf}})
	if err != nil {
		t.Fatal(err)
	}
	outer, err := NewURLMap(URLMapOptions{Routes: map[string]http.Handler{"/v2.0": inner, "/v3": leaf}})
	if err != nil {
		t.Fatal(err)
	}
	var slots request.ConnSlots
	for _, target := range []string{"/v2.0/ports/1", "/v3/x", "/v2.0/networks", "/v2.0/ports"} {
		slots.Init(context.Background())
		r := httptest.NewRequest("GET", target, nil)
		outer.ServeHTTP(httptest.NewRecorder(), r.WithContext(&slots))
	}
	want := []seen{{"/v2.0/ports", "/1"}, {"/v3", "/x"}, {"/v2.0", "/networks"}, {"/v2.0/ports", ""}}
	if len(got) != len(want) {
		t.Fatalf("seen %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d: script %q, path %q; want %q, %q", i, got[i].script, got[i].path, want[i].script, want[i].path)
		}
	}
	r := httptest.NewRequest("GET", "/v3/y", nil).WithContext(&slots)
	if n := testing.AllocsPerRun(100, func() { slots.Init(context.Background()); outer.ServeHTTP(discard{}, r) }); n > 0 {
		t.Errorf("%v allocations a request with the connection's slots, want 0", n)
	}
}

var discardHeader = http.Header{}

// discard is a ResponseWriter that keeps nothing.
type discard struct{}

func (discard) Header() http.Header         { return discardHeader }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}
