package filters

import (
	"bufio"
	"compress/gzip"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// gzipped is the gzip filter with its defaults around h.
func gzipped(t *testing.T, h http.Handler) http.Handler {
	t.Helper()
	mw, err := NewGzip(DefaultGzipOptions())
	if err != nil {
		t.Fatal(err)
	}
	return mw(h)
}

// fileHandler serves "hello!\n" with http.ServeContent, as static does:
// ranges, conditional requests, an ETag.
var fileHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Etag", `"1700000000.5-7"`)
	http.ServeContent(w, r, "hello.txt", time.Unix(1700000000, 0), strings.NewReader("hello!\n"))
})

// TestGzipPartialResponseOnTheWire: a range request through gzip gets
// the bytes the range names, unencoded, with a Content-Range that
// describes them. (It used to be gzip-encoded: Content-Range: bytes
// 0-3/7 over a 28-byte body.)
func TestGzipPartialResponseOnTheWire(t *testing.T) {
	srv := httptest.NewServer(gzipped(t, fileHandler))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(conn, "GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-3\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n")
	raw, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(string(raw))), nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 206 || resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Content-Range") != "bytes 0-3/7" ||
		resp.Header.Get("Content-Length") != "4" || string(body) != "hell" {
		t.Errorf("partial response encoded or wrong:\n%s", raw)
	}
}

func TestGzipLeavesAlone(t *testing.T) {
	withType := func(ct string, code int, body string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ct != "" {
				w.Header().Set("Content-Type", ct)
			}
			w.WriteHeader(code)
			io.WriteString(w, body)
		})
	}
	for name, tc := range map[string]struct {
		h      http.Handler
		header []string
	}{
		"206":              {fileHandler, []string{"Range", "bytes=1-2"}},
		"304":              {fileHandler, []string{"If-None-Match", `"1700000000.5-7"`}},
		"416":              {fileHandler, []string{"Range", "bytes=10-20"}}, // has Content-Range
		"204":              {withType("application/json", 204, ""), nil},
		"image":            {withType("image/png", 200, "\x89PNG...."), nil},
		"zip":              {withType("application/zip", 200, "PK.."), nil},
		"x-gzip":           {withType("application/x-gzip", 200, "\x1f\x8b"), nil},
		"empty body":       {withType("text/plain", 200, ""), nil},
		"sniffed non-text": {withType("", 200, "\x89PNG\r\n\x1a\n0000"), nil},
	} {
		r := httptest.NewRequest("GET", "/hello.txt", nil)
		r.Header.Set("Accept-Encoding", "gzip")
		if tc.header != nil {
			r.Header.Set(tc.header[0], tc.header[1])
		}
		rec := do(gzipped(t, tc.h), r)
		if ce := rec.Header().Get("Content-Encoding"); ce != "" {
			t.Errorf("%s: %d encoded as %s", name, rec.Code, ce)
		}
	}
}

func TestGzipCompresses(t *testing.T) {
	for name, h := range map[string]http.Handler{
		"file": fileHandler,
		"text/html": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "hello!\n")
		}),
		"sniffed text": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hello!\n")
		}),
	} {
		r := httptest.NewRequest("GET", "/hello.txt", nil)
		r.Header.Set("Accept-Encoding", "gzip")
		rec := do(gzipped(t, h), r)
		if rec.Header().Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: not compressed: %d %v", name, rec.Code, rec.Header())
			continue
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if plain, _ := io.ReadAll(zr); string(plain) != "hello!\n" {
			t.Errorf("%s: %q", name, plain)
		}
		if rec.Header().Get("Content-Length") != "" || rec.Header().Get("Accept-Ranges") != "" {
			t.Errorf("%s: Content-Length or Accept-Ranges kept on the encoded body: %v", name, rec.Header())
		}
	}
	// The encoded body is not the bytes the file's strong ETag names:
	// the tag is made weak, so If-None-Match still matches it and
	// If-Range no longer does.
	r := httptest.NewRequest("GET", "/hello.txt", nil)
	r.Header.Set("Accept-Encoding", "gzip")
	rec := do(gzipped(t, fileHandler), r)
	etag := rec.Header().Get("Etag")
	if etag != `W/"1700000000.5-7"` {
		t.Fatalf("ETag of the encoded body: %q", etag)
	}
	r = httptest.NewRequest("GET", "/hello.txt", nil)
	r.Header.Set("Accept-Encoding", "gzip")
	r.Header.Set("If-None-Match", etag)
	if rec := do(gzipped(t, fileHandler), r); rec.Code != 304 {
		t.Errorf("If-None-Match with the weak tag: %d", rec.Code)
	}
	r = httptest.NewRequest("GET", "/hello.txt", nil)
	r.Header.Set("Range", "bytes=0-3")
	r.Header.Set("If-Range", etag)
	if rec := do(gzipped(t, fileHandler), r); rec.Code != 200 {
		t.Errorf("If-Range with the weak tag: %d, want the whole file", rec.Code)
	}
}

// TestGzipAfterEarlyHints: a 1xx is sent on, and the final response
// is still compressed. (httptest.ResponseRecorder takes a 1xx for the
// final status, so this runs on a server.)
func TestGzipAfterEarlyHints(t *testing.T) {
	srv := httptest.NewServer(gzipped(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "hello!\n")
	})))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); string(plain) != "hello!\n" {
		t.Errorf("%q", plain)
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"gzip": true, "deflate, gzip": true, "GZIP": true, "gzip;q=0.5": true, "gzip; q=1": true, "gzip;q=0.001": true,
		"": false, "br": false, "gzip;q=0": false, "gzip; q=0.0": false, "gzip;q=0.000": false, "x-gzip": false, "gzip;q=0, identity": false,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("%q: %v", header, got)
		}
	}
}

// TestGzipValidatorsAgree: to a client that accepts gzip, the 304 and
// the HEAD carry what the 200 carries: the weak ETag of the compressed
// body (RFC 9110 §15.4.5, so that a cache can freshen its compressed
// copy), and for HEAD the same header fields as the GET (§9.3.2).
func TestGzipValidatorsAgree(t *testing.T) {
	h := gzipped(t, fileHandler)
	req := func(method string, header ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/hello.txt", nil)
		r.Header.Set("Accept-Encoding", "gzip")
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		return do(h, r)
	}
	get := req("GET")
	etag := get.Header().Get("Etag")
	if get.Code != 200 || get.Header().Get("Content-Encoding") != "gzip" || etag != `W/"1700000000.5-7"` {
		t.Fatalf("GET: %d %v", get.Code, get.Header())
	}
	if nm := req("GET", "If-None-Match", etag); nm.Code != 304 || nm.Header().Get("Etag") != etag {
		t.Errorf("304: %d, ETag %q; want 304 with the 200's %q", nm.Code, nm.Header().Get("Etag"), etag)
	}
	head := req("HEAD")
	for _, k := range []string{"Content-Encoding", "Etag", "Accept-Ranges", "Content-Length", "Vary"} {
		if g, h := get.Header().Get(k), head.Header().Get(k); g != h {
			t.Errorf("HEAD %s = %q, GET's = %q", k, h, g)
		}
	}
	if head.Body.Len() != 0 {
		t.Errorf("HEAD has a body: %q", head.Body)
	}
}
