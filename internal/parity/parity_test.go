package parity_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// python is Debian's interpreter: a python3 elsewhere on PATH may lack
// the Debian packages.
const python = "/usr/bin/python3"

// pythonModules are what the Python side imports: Debian's
// python3-pastedeploy, python3-paste, python3-oslo.middleware,
// python3-eventlet and python3-webob (.ci/run installs them).
const pythonModules = "paste.deploy, paste.urlmap, paste.urlparser, paste.gzipper, oslo_middleware, eventlet.wsgi, webob"

// request is one request sent, byte for byte the same, to both stacks.
type request struct {
	name    string   // file/what: unique, and what failures name
	method  string   // default GET
	target  string   // the request target, sent as written
	header  []string // "Name: value" lines, sent as written; Host defaults to api.internal:9696
	body    string   // sent with Content-Length, or chunked
	chunked bool
	// known names the documented differences (see documented) this
	// request shows; it must show every one of them and nothing else.
	known []string
}

// suites: one paste file (testdata/paste) and the requests sent to it.
// A header value $(name Header) is that header of the response to the
// earlier request name, from the same server.
var suites = []struct {
	file string
	reqs []request
}{
	{"request_id.ini", []request{
		{name: "request_id/new", target: "/v2.0/networks"},
		{name: "request_id/global", target: "/", header: []string{"X-Openstack-Request-Id: req-12345678-1234-4234-8234-123456789abc"}},
		{name: "request_id/bad-global", target: "/", header: []string{"X-Openstack-Request-Id: hello"}},
		{name: "request_id/correlation-sent", target: "/", header: []string{"X-Correlation-Id: corr-1"}},
		{name: "request_id/correlation-underscore", target: "/", header: []string{"X_Correlation_Id: corr-2"}, known: []string{"underscore-headers"}},
	}},
	{"cors.ini", []request{
		{name: "cors/no-origin", target: "/", known: []string{"cors-vary"}},
		{name: "cors/simple", target: "/", header: []string{"Origin: https://dashboard.example.com"}, known: []string{"cors-header-case"}},
		{name: "cors/simple-other-origin", target: "/", header: []string{"Origin: https://evil.example.com"}, known: []string{"cors-vary"}},
		{name: "cors/preflight", method: "OPTIONS", target: "/v2.0/networks", header: []string{"Origin: https://dashboard.example.com", "Access-Control-Request-Method: PUT", "Access-Control-Request-Headers: X-Auth-Token"}, known: []string{"cors-preflight"}},
		{name: "cors/preflight-no-headers", method: "OPTIONS", target: "/", header: []string{"Origin: https://dashboard.example.com", "Access-Control-Request-Method: GET"}, known: []string{"cors-preflight"}},
		{name: "cors/preflight-bad-method", method: "OPTIONS", target: "/", header: []string{"Origin: https://dashboard.example.com", "Access-Control-Request-Method: PROPFIND"}, known: []string{"cors-preflight"}},
		{name: "cors/preflight-bad-header", method: "OPTIONS", target: "/", header: []string{"Origin: https://dashboard.example.com", "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: X-Evil"}, known: []string{"cors-preflight"}},
		{name: "cors/preflight-other-origin", method: "OPTIONS", target: "/", header: []string{"Origin: https://evil.example.com", "Access-Control-Request-Method: GET"}, known: []string{"cors-preflight"}},
		{name: "cors/options-no-origin", method: "OPTIONS", target: "/", known: []string{"cors-vary"}},
	}},
	{"http_proxy_to_wsgi.ini", []request{
		{name: "proxy/none", target: "/v2.0/"},
		{name: "proxy/x-forwarded", target: "/v2.0/", header: []string{"X-Forwarded-Proto: https", "X-Forwarded-Host: api.example.com", "X-Forwarded-For: 192.0.2.1"}},
		{name: "proxy/default-https-port", target: "/v2.0/", header: []string{"X-Forwarded-Proto: https", "X-Forwarded-Host: api.example.com:443"}},
		{name: "proxy/default-http-port", target: "/v2.0/", header: []string{"X-Forwarded-Host: api.example.com:80"}},
		{name: "proxy/other-port", target: "/v2.0/", header: []string{"X-Forwarded-Proto: https", "X-Forwarded-Host: api.example.com:8443"}},
		{name: "proxy/xff-list", target: "/", header: []string{"X-Forwarded-For: 192.0.2.1, 10.0.0.1"}, known: []string{"proxy-remote-addr"}},
		{name: "proxy/forwarded", target: "/", header: []string{"Forwarded: for=192.0.2.60;proto=https;host=api.example.com"}},
		{name: "proxy/forwarded-quoted", target: "/", header: []string{`Forwarded: for="[2001:db8::1]:4711";proto=https`}, known: []string{"proxy-remote-addr"}},
		{name: "proxy/prefix", target: "/v2.0/", header: []string{"X-Forwarded-Prefix: /network"}},
		{name: "proxy/bad-proto", target: "/", header: []string{"X-Forwarded-Proto: javascript"}, known: []string{"proxy-scheme-checked"}},
		{name: "proxy/underscore", target: "/", header: []string{"X_Forwarded_Proto: https"}, known: []string{"underscore-headers"}},
	}},
	{"sizelimit.ini", []request{
		{name: "sizelimit/small", method: "POST", target: "/", body: "0123456789"},
		{name: "sizelimit/at-limit", method: "POST", target: "/", body: "0123456789abcdef"},
		{name: "sizelimit/over", method: "POST", target: "/", body: "0123456789abcdefg", header: []string{"Accept: application/json"}, known: []string{"fault-body"}},
		{name: "sizelimit/over-text", method: "POST", target: "/", body: "0123456789abcdefg", known: []string{"fault-body"}},
		{name: "sizelimit/chunked-small", method: "POST", target: "/", body: "0123456789", chunked: true, known: []string{"sizelimit-chunked"}},
		{name: "sizelimit/chunked-over", method: "POST", target: "/", body: strings.Repeat("x", 40), chunked: true, header: []string{"Accept: application/json"}, known: []string{"sizelimit-chunked"}},
	}},
	{"catch_errors.ini", []request{
		{name: "catch_errors/raise", target: "/boom", header: []string{"Accept: application/json"}, known: []string{"fault-body"}},
		{name: "catch_errors/raise-text", target: "/boom", known: []string{"fault-body"}},
		{name: "catch_errors/ok", target: "/ok/x"},
		{name: "catch_errors/ok-chunked", method: "POST", target: "/ok/x", body: "0123456789", chunked: true},
	}},
	{"healthcheck.ini", []request{
		{name: "healthcheck/get", target: "/healthcheck"},
		{name: "healthcheck/head", method: "HEAD", target: "/healthcheck", known: []string{"bodiless-content-length"}},
		{name: "healthcheck/json", target: "/healthcheck", header: []string{"Accept: application/json"}},
		{name: "healthcheck/html", target: "/healthcheck", header: []string{"Accept: text/html"}},
		{name: "healthcheck/post", method: "POST", target: "/healthcheck"},
		{name: "healthcheck/disabled", target: "/disabled"},
		{name: "healthcheck/disabled-head", method: "HEAD", target: "/disabled", known: []string{"bodiless-content-length"}},
		{name: "healthcheck/disabled-json", target: "/disabled", header: []string{"Accept: application/json"}},
		{name: "healthcheck/filter", target: "/api/healthcheck", known: []string{"oslo-options-leak"}},
		{name: "healthcheck/filter-passes", target: "/api/other"},
	}},
	{"urlmap.ini", []request{
		{name: "urlmap/root", target: "/"},
		{name: "urlmap/anything", target: "/foo/bar"},
		{name: "urlmap/v2", target: "/v2.0"},
		{name: "urlmap/v2-slash", target: "/v2.0/"},
		{name: "urlmap/v2-deeper", target: "/v2.0/networks?limit=1"},
		{name: "urlmap/v2-not-segment", target: "/v2.0x"},
		{name: "urlmap/longest", target: "/v2.0/extra/y"},
		{name: "urlmap/case", target: "/V2.0/networks"},
		{name: "urlmap/double-slash", target: "//v2.0//networks"},
		{name: "urlmap/host", target: "/x/y", header: []string{"Host: api.example.com"}},
		{name: "urlmap/host-port", target: "/x/y", header: []string{"Host: api.example.com:80"}},
		{name: "urlmap/host-other", target: "/x/y", header: []string{"Host: other.example.com"}},
		{name: "urlmap/nested", target: "/nested/only/z"},
		{name: "urlmap/nested-miss", target: "/nested/other", known: []string{"error-bodies"}},
	}},
	{"static.ini", []request{
		{name: "static/get", target: "/hello.txt", known: []string{"static-cache-control", "static-range-headers", "static-charset", "http-dates"}},
		{name: "static/head", method: "HEAD", target: "/hello.txt", known: []string{"static-cache-control", "static-range-headers", "static-charset", "http-dates"}},
		{name: "static/index", target: "/", known: []string{"static-cache-control", "static-range-headers", "static-charset", "http-dates"}},
		{name: "static/dir-redirect", target: "/sub?a=1", known: []string{"static-redirect", "error-bodies"}},
		{name: "static/dir-index", target: "/sub/", known: []string{"static-cache-control", "static-range-headers", "static-charset", "http-dates"}},
		{name: "static/range", target: "/hello.txt", header: []string{"Range: bytes=0-3"}, known: []string{"static-cache-control", "static-charset", "http-dates"}},
		{name: "static/range-unsatisfiable", target: "/hello.txt", header: []string{"Range: bytes=10-20"}, known: []string{"static-range-headers", "error-bodies"}},
		{name: "static/if-none-match", target: "/hello.txt", header: []string{"If-None-Match: $(static/get Etag)"}, known: []string{"static-cache-control", "bodiless-content-length"}},
		{name: "static/if-none-match-other", target: "/hello.txt", header: []string{`If-None-Match: "other"`}, known: []string{"static-cache-control", "static-range-headers", "static-charset", "http-dates"}},
		{name: "static/if-modified-since", target: "/hello.txt", header: []string{"If-Modified-Since: $(static/get Last-Modified)"}, known: []string{"static-cache-control", "bodiless-content-length"}},
		{name: "static/if-modified-since-future", target: "/hello.txt", header: []string{"If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT"}, known: []string{"static-future-date"}},
		{name: "static/missing", target: "/missing.txt", known: []string{"error-bodies"}},
		{name: "static/post-missing", method: "POST", target: "/missing.txt", body: "x", known: []string{"error-bodies"}},
		{name: "static/post-existing", method: "POST", target: "/hello.txt", body: "x", known: []string{"error-bodies"}},
		{name: "static/dotfile", target: "/.hidden", known: []string{"static-dotfiles"}},
		{name: "static/trailing-path", target: "/hello.txt/extra", known: []string{"error-bodies"}},
		{name: "static/traversal", target: "/../../../../etc/passwd", known: []string{"error-bodies"}},
	}},
	{"cascade.ini", []request{
		{name: "cascade/file", target: "/hello.txt", known: []string{"static-range-headers", "static-charset", "http-dates"}},
		{name: "cascade/fall-through", target: "/api/x"},
		{name: "cascade/post-fall-through", method: "POST", target: "/api/x", body: `{"network": {}}`},
		{name: "cascade/put-fall-through", method: "PUT", target: "/api/y", body: "put"},
		{name: "cascade/delete-fall-through", method: "DELETE", target: "/api/z"},
		{name: "cascade/post-file", method: "POST", target: "/hello.txt", body: "x", known: []string{"error-bodies"}},
	}},
	{"gzip.ini", []request{
		{name: "gzip/json", target: "/api/x", header: []string{"Accept-Encoding: gzip"}, known: []string{"gzip-vary"}},
		{name: "gzip/not-accepted", target: "/api/x", known: []string{"gzip-vary"}},
		{name: "gzip/q0", target: "/api/x", header: []string{"Accept-Encoding: gzip;q=0, identity"}, known: []string{"gzip-vary", "gzip-q0"}},
		{name: "gzip/image", target: "/api/x?type=image/png", header: []string{"Accept-Encoding: gzip"}, known: []string{"gzip-vary"}},
		{name: "gzip/encoded", target: "/api/x?encoding=br", header: []string{"Accept-Encoding: gzip"}, known: []string{"gzip-vary"}},
		{name: "gzip/204", target: "/api/x?status=204", header: []string{"Accept-Encoding: gzip"}, known: []string{"gzip-vary", "gzip-empty"}},
		{name: "gzip/file", target: "/hello.txt", header: []string{"Accept-Encoding: gzip"}, known: []string{"gzip-vary", "gzip-validators", "static-range-headers", "static-charset", "http-dates"}},
		{name: "gzip/head", method: "HEAD", target: "/hello.txt", header: []string{"Accept-Encoding: gzip"}, known: []string{"gzip-vary", "gzip-head", "gzip-validators", "static-range-headers", "static-charset", "http-dates"}},
		{name: "gzip/range", target: "/hello.txt", header: []string{"Accept-Encoding: gzip", "Range: bytes=0-3"}, known: []string{"gzip-vary", "gzip-partial", "static-charset", "http-dates"}},
		{name: "gzip/if-none-match", target: "/hello.txt", header: []string{"Accept-Encoding: gzip", "If-None-Match: $(gzip/file Etag)"}, known: []string{"gzip-vary", "gzip-validators", "bodiless-content-length"}},
	}},
	{"prefix.ini", []request{
		{name: "prefix/under", target: "/app/x"},
		{name: "prefix/exact", target: "/app"},
		{name: "prefix/elsewhere", target: "/other"},
		{name: "prefix/not-segment", target: "/application", known: []string{"prefix-segment"}},
		{name: "prefix/forwarded", target: "/app/x", header: []string{"X-Forwarded-Host: www.example.com", "X-Forwarded-Proto: https", "X-Forwarded-For: 192.0.2.1, 10.0.0.1"}},
		{name: "prefix/forwarded-server", target: "/app/x", header: []string{"X-Forwarded-Server: srv.example.com"}},
	}},
}

// documented are the differences that remain, by name: each is a row of
// the "Parity with the Python stack" table of docs/compat.md, which says
// why (most are pasteserve's improvements). The parts are what it may
// change in a response: "status", "body" or "header:Name". A request
// that names one must show it (one of its parts differs), and every part
// in which a request's responses differ must be explained by a
// difference it names.
var documented = map[string][]string{
	"underscore-headers":      {"body", "header:Content-Length"},
	"cors-vary":               {"header:Vary"},
	"cors-header-case":        {"header:Access-Control-Expose-Headers"},
	"cors-preflight":          {"body", "header:Content-Length", "header:Content-Type", "header:Vary"},
	"proxy-remote-addr":       {"body", "header:Content-Length"},
	"proxy-scheme-checked":    {"body", "header:Content-Length"},
	"fault-body":              {"body", "header:Content-Length", "header:Content-Type"},
	"sizelimit-chunked":       {"status", "body", "header:Content-Length"},
	"bodiless-content-length": {"header:Content-Length"},
	"oslo-options-leak":       {"status", "body", "header:Content-Length"},
	"error-bodies":            {"body", "header:Content-Length", "header:Content-Type", "header:X-Content-Type-Options", "header:Allow"},
	"static-cache-control":    {"header:Cache-Control", "header:Expires"},
	"static-range-headers":    {"header:Content-Range", "header:Accept-Ranges"},
	"static-charset":          {"header:Content-Type"},
	"http-dates":              {"header:Last-Modified"},
	"static-redirect":         {"header:Location"},
	"static-future-date":      {"status", "body", "header:Content-Length", "header:Content-Type", "header:Cache-Control", "header:Last-Modified", "header:Etag", "header:Accept-Ranges"},
	"static-dotfiles":         {"status", "body", "header:Accept-Ranges", "header:Cache-Control", "header:Content-Length", "header:Content-Range", "header:Content-Type", "header:Etag", "header:Expires", "header:Last-Modified", "header:X-Content-Type-Options"},
	"gzip-vary":               {"header:Vary"},
	"gzip-q0":                 {"body", "header:Content-Encoding", "header:Content-Length"},
	"gzip-empty":              {"header:Content-Encoding", "header:Content-Length"},
	"gzip-partial":            {"body", "header:Content-Encoding", "header:Content-Length"},
	"gzip-validators":         {"header:Etag", "header:Accept-Ranges"},
	"gzip-head":               {"header:Content-Encoding", "header:Content-Length"},
	"prefix-segment":          {"body", "header:Content-Length"},
}

// result is one response, as compared.
type result struct {
	status int
	header http.Header
	body   []byte
}

// Normalisation: what always differs between two servers, made
// comparable here and nowhere else.
//
//   - Date: the time of the response; dropped. (Neither server sends a
//     Server header, so that one is compared.)
//   - request ids (req-<uuid4>) and correlation ids (<uuid4>) are random:
//     any the request did not send becomes req-<uuid> or <uuid>, in
//     headers and bodies, so their shape is still compared.
//   - a gzip-encoded body is compared decompressed, and its
//     Content-Length (the compressed size, which depends on the
//     compressor) is dropped.
var (
	reqIDPattern  = regexp.MustCompile(`req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	uuidPattern   = regexp.MustCompile(`\b[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\b`)
	droppedHeader = []string{"Date"}
)

func normalise(res *result, rq request) error {
	for _, h := range droppedHeader {
		res.header.Del(h)
	}
	sent := strings.Join(rq.header, "\n")
	ids := func(s string) string {
		s = reqIDPattern.ReplaceAllStringFunc(s, func(id string) string {
			if strings.Contains(sent, id) {
				return id
			}
			return "req-<uuid>"
		})
		return uuidPattern.ReplaceAllStringFunc(s, func(id string) string {
			if strings.Contains(sent, id) {
				return id
			}
			return "<uuid>"
		})
	}
	for k, vs := range res.header {
		for i, v := range vs {
			vs[i] = ids(v)
		}
		res.header[k] = vs
	}
	if res.header.Get("Content-Encoding") == "gzip" && len(res.body) > 0 {
		zr, err := gzip.NewReader(bytes.NewReader(res.body))
		if err != nil {
			return fmt.Errorf("gzip body: %v", err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			return fmt.Errorf("gzip body: %v", err)
		}
		res.body = append([]byte("(gunzipped) "), plain...)
		res.header.Del("Content-Length")
	}
	res.body = []byte(ids(string(res.body)))
	return nil
}

// send writes rq on a new connection to addr and reads the response.
// earlier has the headers of earlier responses of the same server, by
// "name Header", for $(name Header).
func send(addr string, rq request, earlier map[string]string) (*result, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	method := rq.method
	if method == "" {
		method = "GET"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", method, rq.target)
	host := false
	for _, h := range rq.header {
		if i := strings.Index(h, "$("); i >= 0 {
			ref := strings.TrimSuffix(h[i+len("$("):], ")")
			v, ok := earlier[ref]
			if !ok {
				return nil, fmt.Errorf("no %s to put in %q", ref, h)
			}
			h = h[:i] + v
		}
		host = host || strings.HasPrefix(strings.ToLower(h), "host:")
		b.WriteString(h + "\r\n")
	}
	if !host {
		b.WriteString("Host: api.internal:9696\r\n")
	}
	b.WriteString("Connection: close\r\n")
	switch {
	case rq.chunked:
		fmt.Fprintf(&b, "Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", len(rq.body), rq.body)
	case rq.body != "":
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(rq.body), rq.body)
	default:
		b.WriteString("\r\n")
	}
	if _, err := conn.Write(b.Bytes()); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the body: %v", err)
	}
	if len(resp.TransferEncoding) > 0 {
		resp.Header["Transfer-Encoding"] = resp.TransferEncoding
	}
	return &result{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// compare returns the parts in which two responses differ, each with a
// line that shows both.
func compare(py, ps *result) map[string]string {
	d := map[string]string{}
	if py.status != ps.status {
		d["status"] = fmt.Sprintf("status: python %d, pasteserve %d", py.status, ps.status)
	}
	names := map[string]bool{}
	for k := range py.header {
		names[k] = true
	}
	for k := range ps.header {
		names[k] = true
	}
	for k := range names {
		a, b := strings.Join(py.header[k], " | "), strings.Join(ps.header[k], " | ")
		if _, inPy := py.header[k]; !inPy {
			a = "(none)"
		}
		if _, inPs := ps.header[k]; !inPs {
			b = "(none)"
		}
		if a != b {
			d["header:"+k] = fmt.Sprintf("%s: python %q, pasteserve %q", k, a, b)
		}
	}
	if !bytes.Equal(py.body, ps.body) {
		d["body"] = fmt.Sprintf("body:\n    python     %q\n    pasteserve %q", py.body, ps.body)
	}
	return d
}

var buildOnce struct {
	sync.Once
	bin string
	err error
}

// testbin builds pasteserve with the parity apps (internal/testbin/parity)
// once.
func testbin(t *testing.T) string {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "pasteserve-parity")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.bin = filepath.Join(dir, "pasteserve")
		out, err := exec.Command("go", "build", "-o", buildOnce.bin, "../testbin/parity").CombinedOutput()
		if err != nil {
			buildOnce.err = fmt.Errorf("building the test binary: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildOnce.bin != "" {
		os.RemoveAll(filepath.Dir(buildOnce.bin))
	}
	os.Exit(code)
}

// setUp copies the paste files into a fresh directory, with the files
// static serves (www), and returns it.
func setUp(t *testing.T) string {
	dir := t.TempDir()
	files, err := filepath.Glob("testdata/paste/*.ini")
	if err != nil || len(files) == 0 {
		t.Fatalf("no paste files: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	www := map[string]string{
		"www/hello.txt":      "hello!\n",
		"www/index.html":     "<p>index</p>\n",
		"www/sub/index.html": "<p>sub</p>\n",
		"www/.hidden":        "secret\n",
	}
	for name, content := range www {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// pasteserve gets no request id of its own before the pipeline (its
	// default, assign_request_id = true, is documented in server.md):
	// the test compares what the filters do, as neutron has them.
	conf := "[DEFAULT]\nassign_request_id = false\n"
	if err := os.WriteFile(filepath.Join(dir, "parity.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// startPython serves every paste file in dir under the Python stack
// and returns each file's address.
func startPython(t *testing.T, dir string) map[string]string {
	pyPath, err := filepath.Abs("testdata/python")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{filepath.Join(pyPath, "serve.py"), "--max-seconds", "120"}
	for _, s := range suites {
		args = append(args, filepath.Join(dir, s.file))
	}
	cmd := exec.Command(python, args...)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+pyPath, "PYTHONDONTWRITEBYTECODE=1")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("python stack's log:\n%s", stderr.String())
		}
	})
	addrs := map[string]string{}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("the python stack exited before it was ready")
			}
			if line == "ready" {
				return addrs
			}
			var m struct {
				File string
				Port int
			}
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("python stack: %q: %v", line, err)
			}
			addrs[filepath.Base(m.File)] = fmt.Sprintf("127.0.0.1:%d", m.Port)
		case <-timeout:
			t.Fatal("the python stack was not ready within 30s")
		}
	}
}

// startPasteserve serves one paste file with the test binary and
// returns its address.
func startPasteserve(t *testing.T, bin, dir, file string) string {
	cmd := exec.Command(bin, "--paste", filepath.Join(dir, file), "--config-file", filepath.Join(dir, "parity.conf"),
		"--bind", "127.0.0.1:0", "--log-format", "json")
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	addr := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			log.Write(append(sc.Bytes(), '\n'))
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil && m["message"] == "listening" {
				if a, ok := m["address"].(string); ok {
					select {
					case addr <- a:
					default:
					}
				}
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		cmd.Wait()
		if t.Failed() {
			t.Logf("pasteserve's log for %s:\n%s", file, log.String())
		}
	})
	select {
	case a := <-addr:
		return a
	case <-done:
		t.Fatalf("pasteserve exited serving %s", file)
	case <-time.After(20 * time.Second):
		t.Fatalf("pasteserve did not listen for %s within 20s", file)
	}
	return ""
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestParity serves testdata/paste under both stacks, sends every
// request of suites to both, and compares the responses.
func TestParity(t *testing.T) {
	if _, err := os.Stat(python); err != nil {
		t.Skipf("parity test skipped: %s not found (install Debian's python3-pastedeploy, python3-paste, python3-oslo.middleware, python3-eventlet; .ci/run does)", python)
	}
	if out, err := exec.Command(python, "-c", "import "+pythonModules).CombinedOutput(); err != nil {
		t.Skipf("parity test skipped: %s cannot import %s (apt-get install python3-pastedeploy python3-paste python3-oslo.middleware python3-eventlet python3-webob; .ci/run does): %v\n%s", python, pythonModules, err, out)
	}
	bin := testbin(t)
	dir := setUp(t)
	pyAddrs := startPython(t, dir)
	psAddrs := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, s := range suites {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := startPasteserve(t, bin, dir, s.file)
			mu.Lock()
			psAddrs[s.file] = a
			mu.Unlock()
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	names := map[string]bool{}
	pyEarlier, psEarlier := map[string]string{}, map[string]string{}
	total, agree := 0, 0
	seen := map[string]bool{}
	for _, s := range suites {
		for _, rq := range s.reqs {
			if names[rq.name] {
				t.Fatalf("two requests are called %s", rq.name)
			}
			names[rq.name] = true
			py, err := send(pyAddrs[s.file], rq, pyEarlier)
			if err != nil {
				t.Errorf("%s: python stack: %v", rq.name, err)
				continue
			}
			ps, err := send(psAddrs[s.file], rq, psEarlier)
			if err != nil {
				t.Errorf("%s: pasteserve: %v", rq.name, err)
				continue
			}
			for _, h := range []string{"Etag", "Last-Modified"} {
				pyEarlier[rq.name+" "+h], psEarlier[rq.name+" "+h] = py.header.Get(h), ps.header.Get(h)
			}
			if err := normalise(py, rq); err != nil {
				t.Errorf("%s: python stack: %v", rq.name, err)
			}
			if err := normalise(ps, rq); err != nil {
				t.Errorf("%s: pasteserve: %v", rq.name, err)
			}
			total++
			diff := compare(py, ps)
			if len(diff) == 0 && len(rq.known) == 0 {
				agree++
			}
			explained := map[string]bool{}
			for _, k := range rq.known {
				parts, ok := documented[k]
				if !ok {
					t.Errorf("%s: known difference %q is not in documented", rq.name, k)
					continue
				}
				seen[k] = true
				shows := false
				for _, p := range parts {
					explained[p] = true
					if _, ok := diff[p]; ok {
						shows = true
					}
				}
				if !shows {
					t.Errorf("%s: documented difference %q no longer shows: remove it from the request (and, if it is gone everywhere, from documented and docs/compat.md)", rq.name, k)
				}
			}
			var undocumented []string
			for p, line := range diff {
				if !explained[p] {
					undocumented = append(undocumented, line)
				}
			}
			if len(undocumented) > 0 {
				sort.Strings(undocumented)
				method := rq.method
				if method == "" {
					method = "GET"
				}
				t.Errorf("%s (%s %s): undocumented difference (fix it, or list it in documented and docs/compat.md):\n  %s",
					rq.name, method, rq.target, strings.Join(undocumented, "\n  "))
			}
		}
	}
	for k := range documented {
		if !seen[k] {
			t.Errorf("documented difference %q is shown by no request", k)
		}
	}
	t.Logf("%d requests compared: %d agree, %d differ only as documented", total, agree, total-agree)
	checkCompatDoc(t)
}

// checkCompatDoc checks that docs/compat.md's parity table lists exactly
// the documented differences.
func checkCompatDoc(t *testing.T) {
	b, err := os.ReadFile("../../docs/compat.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "## Parity with the Python stack")
	if !ok {
		if len(documented) > 0 {
			t.Errorf("docs/compat.md has no \"## Parity with the Python stack\" section")
		}
		return
	}
	table, _, _ = strings.Cut(table, "\n## ")
	inDoc := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\|").FindAllStringSubmatch(table, -1) {
		inDoc[m[1]] = true
	}
	for k := range documented {
		if !inDoc[k] {
			t.Errorf("documented difference %q has no row in docs/compat.md's parity table", k)
		}
	}
	for k := range inDoc {
		if _, ok := documented[k]; !ok {
			t.Errorf("docs/compat.md's parity table lists %q, which the test does not know", k)
		}
	}
}
