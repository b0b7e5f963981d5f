package apps

import (
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestStaticMethodOnMissingFile: as Paste's static, a path that does
// not exist is 404 whatever the method, and only a file that exists
// answers 405 to a POST. (It used to be 405 for every POST.)
func TestStaticMethodOnMissingFile(t *testing.T) {
	h := mustBuildApp(t, "[app:main]\nuse = egg:Paste#static\ndocument_root = "+staticDir(t)+"\n")
	for _, tc := range []struct {
		method, path string
		code         int
		allow        string
	}{
		{"POST", "/missing", 404, ""},
		{"PUT", "/docs/missing.html", 404, ""},
		{"DELETE", "/.secret", 404, ""},
		{"POST", "/hello.txt", 405, "GET,HEAD"},
		{"POST", "/docs/", 405, "GET,HEAD"}, // its index.html
		{"POST", "/docs", 301, ""},          // Paste redirects first too
	} {
		rec := serveReq(h, httptest.NewRequest(tc.method, tc.path, strings.NewReader("x")))
		if rec.Code != tc.code || rec.Header().Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d, Allow %q", tc.method, tc.path, rec.Code, rec.Header().Get("Allow"))
		}
	}
}

// TestCascadeFallsThroughStatic: static in front of an app passes
// writes to anything but its files on, as with Paste.
func TestCascadeFallsThroughStatic(t *testing.T) {
	h := mustBuildApp(t, "[composite:main]\nuse = egg:Paste#cascade\napp1 = files\napp2 = ok\n"+
		"[app:files]\nuse = egg:Paste#static\ndocument_root = "+staticDir(t)+"\n"+cascadeApps)
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		rec := serveReq(h, httptest.NewRequest(m, "/v2.0/networks", strings.NewReader("data")))
		if rec.Code != 200 || rec.Body.String() != "ok body=data" {
			t.Errorf("%s: %d %q", m, rec.Code, rec.Body)
		}
	}
	if rec := serveReq(h, httptest.NewRequest("GET", "/hello.txt", nil)); rec.Body.String() != "hello" {
		t.Errorf("GET a file: %d %q", rec.Code, rec.Body)
	}
}

// TestStaticETag: every file has Paste's ETag, and If-None-Match with it
// is answered 304. (There was none.)
func TestStaticETag(t *testing.T) {
	dir := staticDir(t)
	h := mustBuildApp(t, "[app:main]\nuse = egg:Paste#static\ndocument_root = "+dir+"\n")
	rec := serveReq(h, httptest.NewRequest("GET", "/hello.txt", nil))
	etag := rec.Header().Get("Etag")
	if !regexp.MustCompile(`^"[0-9]+\.[0-9]+-5"$`).MatchString(etag) {
		t.Fatalf("ETag %q", etag)
	}
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		r := httptest.NewRequest("GET", "/hello.txt", nil)
		r.Header.Set("If-None-Match", inm)
		if rec := serveReq(h, r); rec.Code != 304 || rec.Body.Len() != 0 || rec.Header().Get("Etag") != etag || rec.Header().Get("Accept-Ranges") != "bytes" {
			t.Errorf("If-None-Match %s: %d %v", inm, rec.Code, rec.Header())
		}
	}
	r := httptest.NewRequest("GET", "/hello.txt", nil)
	r.Header.Set("If-None-Match", `"other"`)
	if rec := serveReq(h, r); rec.Code != 200 || rec.Body.String() != "hello" {
		t.Errorf("another tag: %d", rec.Code)
	}
	// The tag changes with the file.
	os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello, again"), 0o644)
	if got := serveReq(h, httptest.NewRequest("GET", "/hello.txt", nil)).Header().Get("Etag"); got == etag {
		t.Errorf("ETag did not change with the file: %s", got)
	}
}

// TestStaticETagAsPython checks the modification time in the ETag
// against Python's repr of os.stat().st_mtime, when Python is there.
func TestStaticETagAsPython(t *testing.T) {
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skipf("skipped: no %s", python)
	}
	dir := t.TempDir()
	h := mustBuildApp(t, "[app:main]\nuse = egg:Paste#static\ndocument_root = "+dir+"\n")
	for i, mt := range []time.Time{
		time.Unix(1700000000, 0),
		time.Unix(1700000000, 123456789),
		time.Unix(1796154385, 726368200),
		time.Unix(1, 1),
		time.Unix(-1, 500000000),
	} {
		name := filepath.Join(dir, "f.txt")
		os.WriteFile(name, []byte(strings.Repeat("x", i)), 0o644)
		if err := os.Chtimes(name, mt, mt); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(python, "-c", "import os, sys; st = os.stat(sys.argv[1]); print('\"%r-%d\"' % (st.st_mtime, st.st_size))", name).Output()
		if err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSpace(string(out))
		if got := serveReq(h, httptest.NewRequest("GET", "/f.txt", nil)).Header().Get("Etag"); got != want {
			t.Errorf("mtime %v: ETag %s, Python's %s", mt, got, want)
		}
	}
}

// TestStaticContentType: the type comes from the extension; without a
// known one the file is application/octet-stream, as in Paste, and not
// sniffed (an HTML-looking file is not served as HTML).
func TestStaticContentType(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "page.html"), []byte("<p>x</p>"), 0o644)
	os.WriteFile(filepath.Join(dir, "upload"), []byte("<html><script>alert(1)</script>"), 0o644)
	h := mustBuildApp(t, "[app:main]\nuse = egg:Paste#static\ndocument_root = "+dir+"\n")
	for path, want := range map[string]string{"/page.html": "text/html; charset=utf-8", "/upload": "application/octet-stream"} {
		if got := serveReq(h, httptest.NewRequest("GET", path, nil)).Header().Get("Content-Type"); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
}
