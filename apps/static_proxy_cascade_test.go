package apps

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pasteserve/pasteserve/reqlog"
	"github.com/rs/zerolog"
)

func staticDir(t testing.TB) string {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "docs"), 0o755)
	os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello"), 0o644)
	os.WriteFile(filepath.Join(dir, "docs", "index.html"), []byte("<p>docs</p>"), 0o644)
	os.WriteFile(filepath.Join(dir, ".secret"), []byte("s"), 0o644)
	outside := filepath.Join(filepath.Dir(dir), "outside.txt")
	os.WriteFile(outside, []byte("outside"), 0o644)
	os.Symlink(outside, filepath.Join(dir, "link.txt"))
	return dir
}

func TestStatic(t *testing.T) {
	dir := staticDir(t)
	h := mustBuildApp(t, "[app:main]\nuse = egg:Paste#static\ndocument_root = "+dir+"\ncache_max_age = 600\n")
	for _, tc := range []struct {
		method, path string
		code         int
		body         string
	}{
		{"GET", "/hello.txt", 200, "hello"},
		{"HEAD", "/hello.txt", 200, ""},
		{"GET", "/docs/", 200, "<p>docs</p>"},
		{"GET", "/docs", 301, ""},
		{"GET", "/missing", 404, ""},
		{"GET", "/../outside.txt", 404, ""},
		{"GET", "/docs/../../outside.txt", 404, ""},
		{"GET", "/link.txt", 404, ""}, // a symlink out of the root
		{"GET", "/.secret", 404, ""},
		{"GET", "/", 404, ""}, // no index.html at the root
		{"POST", "/hello.txt", 405, ""},
	} {
		rec := serveReq(h, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.code || (tc.body != "" && rec.Body.String() != tc.body) {
			t.Errorf("%s %s: %d %q", tc.method, tc.path, rec.Code, rec.Body)
		}
		if tc.code == 200 && rec.Header().Get("Cache-Control") != "max-age=600" {
			t.Errorf("%s: Cache-Control %q", tc.path, rec.Header().Get("Cache-Control"))
		}
	}
	if loc := serveReq(h, httptest.NewRequest("GET", "/docs?x=1", nil)).Header().Get("Location"); loc != "/docs/?x=1" {
		t.Errorf("redirect to %q", loc)
	}
	r := httptest.NewRequest("GET", "/hello.txt", nil)
	r.Header.Set("Range", "bytes=1-2")
	if rec := serveReq(h, r); rec.Code != 206 || rec.Body.String() != "el" {
		t.Errorf("range: %d %q", rec.Code, rec.Body)
	}
}

func TestStaticBadOptions(t *testing.T) {
	wantAppError(t, "[app:main]\nuse = egg:Paste#static\n", "1:1", "[app:main] document_root: is required")
	wantAppError(t, "[app:main]\nuse = egg:Paste#static\ndocument_root = /nonexistent/dir\n", "3:1", `[app:main] document_root: "/nonexistent/dir" is not a directory`)
	dir := t.TempDir()
	wantAppError(t, "[app:main]\nuse = egg:Paste#static\ndocument_root = "+dir+"\ncache_max_age = 1h\n", "4:1", `[app:main] cache_max_age: "1h" is not a whole number`)
	wantAppError(t, "[app:main]\nuse = egg:Paste#static\ndocument_root = "+dir+"\ncache_max_age = -1\n", "4:1", `[app:main] cache_max_age: -1 is negative`)
}

func TestProxy(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s rid=%s secret=%q xff=%s body=%s", r.Method, r.URL.RequestURI(), r.Header.Get("X-Openstack-Request-Id"),
			r.Header.Get("X-Secret"), r.Header.Get("X-Forwarded-For"), body)
	}))
	defer upstream.Close()
	src := "[composite:main]\nuse = egg:Paste#urlmap\n/api = pipe\n" +
		"[pipeline:pipe]\npipeline = request_id up\n[filter:request_id]\nuse = egg:oslo.middleware#request_id\n" +
		"[app:up]\nuse = egg:Paste#proxy\naddress = " + upstream.URL + "/base\nallowed_request_methods = get post\nsuppress_http_headers = x-secret\n"
	front := httptest.NewServer(mustBuildApp(t, src))
	defer front.Close()
	req, _ := http.NewRequest("POST", front.URL+"/api/things?q=1", strings.NewReader("payload"))
	req.Header.Set("X-Secret", "hidden")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	rid := resp.Header.Get("X-Openstack-Request-Id")
	want := fmt.Sprintf(`POST /base/things?q=1 rid=%s secret="" xff=127.0.0.1 body=payload`, rid)
	if string(got) != want || rid == "" {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	req, _ = http.NewRequest("DELETE", front.URL+"/api/things", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 400 {
		t.Errorf("DELETE: %v %v", resp.StatusCode, err)
	} else {
		resp.Body.Close()
	}
}

func TestProxyUpstreamDown(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	addr := dead.URL
	dead.Close()
	h := mustBuildApp(t, "[app:main]\nuse = egg:Paste#proxy\naddress = "+addr+"\n")
	if rec := serveReq(h, httptest.NewRequest("GET", "/", nil)); rec.Code != 502 || !strings.Contains(rec.Body.String(), "502 Bad Gateway") {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}

func TestProxyBadOptions(t *testing.T) {
	wantAppError(t, "[app:main]\nuse = egg:Paste#proxy\n", "1:1", "[app:main] address: is required")
	wantAppError(t, "[app:main]\nuse = egg:Paste#proxy\naddress = ftp://x\n", "3:1", `[app:main] address: "ftp://x" is not an http:// or https:// URL`)
	wantAppError(t, "[app:main]\nuse = egg:Paste#proxy\naddress = localhost:8080\n", "3:1", `is not an http:// or https:// URL`)
}

const cascadeApps = "[app:nf]\nuse = egg:pasteserve#cascade-test\nname = nf\nstatus = 404\n" +
	"[app:gone]\nuse = egg:pasteserve#cascade-test\nname = gone\nstatus = 410\n" +
	"[app:ok]\nuse = egg:pasteserve#cascade-test\nname = ok\nstatus = 200\n"

func init() {
	registerCascadeTestApp()
}

func TestCascade(t *testing.T) {
	h := mustBuildApp(t, "[composite:main]\nuse = egg:Paste#cascade\napp1 = nf\napp2 = gone\napp3 = ok\n"+cascadeApps)
	rec := serveReq(h, httptest.NewRequest("POST", "/", strings.NewReader("data")))
	if rec.Code != 410 || rec.Body.String() != "gone body=data" || rec.Header().Get("X-App") != "gone" {
		t.Errorf("default catch: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
	h = mustBuildApp(t, "[composite:main]\nuse = egg:Paste#cascade\napp1 = nf\napp2 = gone\napp3 = ok\ncatch = 404 410\n"+cascadeApps)
	rec = serveReq(h, httptest.NewRequest("POST", "/", strings.NewReader("data")))
	if rec.Code != 200 || rec.Body.String() != "ok body=data" || rec.Header().Get("X-App") != "ok" {
		t.Errorf("catch 404 410: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
	// Names sort as strings: app10 before app2. The last app answers even when caught.
	h = mustBuildApp(t, "[composite:main]\nuse = egg:Paste#cascade\napp2 = ok\napp10 = nf\n"+cascadeApps)
	if rec := serveReq(h, httptest.NewRequest("GET", "/", nil)); rec.Body.String() != "ok body=" {
		t.Errorf("order: %q", rec.Body)
	}
	h = mustBuildApp(t, "[composite:main]\nuse = egg:Paste#cascade\napp1 = ok\napp2 = nf\n"+cascadeApps)
	if rec := serveReq(h, httptest.NewRequest("GET", "/", nil)); rec.Code != 200 {
		t.Errorf("first answers: %d", rec.Code)
	}
	h = mustBuildApp(t, "[composite:main]\nuse = egg:Paste#cascade\napp1 = nf\n"+cascadeApps)
	if rec := serveReq(h, httptest.NewRequest("GET", "/", nil)); rec.Code != 404 || rec.Body.String() != "nf body=" {
		t.Errorf("last answers: %d %q", rec.Code, rec.Body)
	}
}

func TestCascadeBadOptions(t *testing.T) {
	base := "[composite:main]\nuse = egg:Paste#cascade\n"
	wantAppError(t, base+"app1 = ok\nfallback = nf\n"+cascadeApps, "4:1", "[composite:main] fallback: bad configuration key")
	wantAppError(t, base+"app1 = ok\ncatch = 404 nope\n"+cascadeApps, "4:1", `[composite:main] catch: "nope" is not a status code`)
	wantAppError(t, base+"catch = 404\n"+cascadeApps, "1:1", "a cascade needs at least one app1 = NAME key")
}

func BenchmarkStatic(b *testing.B) {
	h := mustBuildApp(b, "[app:main]\nuse = egg:Paste#static\ndocument_root = "+staticDir(b)+"\n")
	b.ReportAllocs()
	for b.Loop() {
		serveReq(h, httptest.NewRequest("GET", "/hello.txt", nil))
	}
}

func BenchmarkCascade(b *testing.B) {
	h := mustBuildApp(b, "[composite:main]\nuse = egg:Paste#cascade\napp1 = nf\napp2 = ok\n"+cascadeApps)
	b.ReportAllocs()
	for b.Loop() {
		serveReq(h, httptest.NewRequest("GET", "/", nil))
	}
}

func BenchmarkProxy(b *testing.B) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer upstream.Close()
	h := mustBuildApp(b, "[app:main]\nuse = egg:Paste#proxy\naddress = "+upstream.URL+"\n")
	b.ReportAllocs()
	for b.Loop() {
		serveReq(h, httptest.NewRequest("GET", "/", nil))
	}
}

// proxyWithLog serves the proxy app to upstream with a per-request
// logger writing JSON lines to log.
func proxyWithLog(t *testing.T, upstream string, log *syncLog) *httptest.Server {
	h := mustBuildApp(t, "[app:main]\nuse = egg:Paste#proxy\naddress = "+upstream+"\n")
	base := zerolog.New(log)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := base.With().Logger()
		h.ServeHTTP(w, r.WithContext(l.WithContext(r.Context())))
	}))
}

type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestProxyClientBadBody: a client's invalid chunked body is the
// client's fault: 400, logged at info level, not a 502 and an
// error-level "upstream failed" (which let any client fill the error
// log).
func TestProxyClientBadBody(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "upstream answered")
	}))
	defer upstream.Close()
	var log syncLog
	front := proxyWithLog(t, upstream.URL, &log)
	defer front.Close()
	for name, req := range map[string]string{
		"bad chunk size": "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
		"bad chunk end":  "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
	} {
		conn, err := net.Dial("tcp", front.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(conn, req)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		conn.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(body), "The request body could not be read.") {
			t.Errorf("%s: %d %s", name, resp.StatusCode, body)
		}
	}
	out := log.String()
	if strings.Contains(out, `"level":"error"`) || strings.Count(out, `"level":"info"`) != 2 ||
		!strings.Contains(out, "the client's request body could not be read") {
		t.Errorf("log:\n%s", out)
	}
}

// TestProxyClientGone: a client that goes away while the upstream is
// working is not an upstream failure either.
func TestProxyClientGone(t *testing.T) {
	got, release := make(chan struct{}), make(chan struct{})
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(got)
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
	}))
	defer upstream.Close()
	defer close(release)
	var log syncLog
	front := proxyWithLog(t, upstream.URL, &log)
	defer front.Close()
	conn, err := net.Dial("tcp", front.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	select {
	case <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("the upstream never got the request")
	}
	conn.Close()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(log.String(), "proxy:") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if out := log.String(); strings.Contains(out, `"level":"error"`) || !strings.Contains(out, "the client went away") {
		t.Errorf("log:\n%s", out)
	}
}

// TestProxyLogsWithoutRequestLogger: a request that carries no logger
// (NewProxy used from Go, outside pasteserve's server) still has its
// upstream failure logged, on reqlog.Fallback, rather than on the
// disabled logger zerolog.Ctx returns, which dropped the line.
func TestProxyLogsWithoutRequestLogger(t *testing.T) {
	var log syncLog
	saved := reqlog.Fallback
	reqlog.Fallback = zerolog.New(&log)
	defer func() { reqlog.Fallback = saved }()
	dead := httptest.NewServer(http.NotFoundHandler())
	addr := dead.URL
	dead.Close()
	h, err := NewProxy(ProxyOptions{Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	if rec := serveReq(h, httptest.NewRequest("GET", "/", nil)); rec.Code != 502 {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
	if out := log.String(); !strings.Contains(out, `"level":"error"`) || !strings.Contains(out, "proxy: upstream failed") {
		t.Errorf("log: %q", out)
	}
}
