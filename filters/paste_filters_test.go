package filters

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/factory"
)

func TestPrefix(t *testing.T) {
	h := mustBuild(t, filterPaste("use: egg:PasteDeploy#prefix", "prefix = /app/"))
	for path, want := range map[string][2]string{
		"/app/x":       {"/app", "/x"},
		"/app":         {"/app", "/"},
		"/application": {"/app", "/application"}, // segment boundary
		"/x":           {"/app", "/x"},           // already stripped by the proxy
	} {
		body := get(h, path).Body.String()
		if line(body, "script") != want[0] || line(body, "path") != want[1] {
			t.Errorf("%s:\n%s", path, body)
		}
	}
	body := get(h, "http://inner:8080/app/x", "X-Forwarded-Server", "a.example.com, b", "X-Forwarded-Host", "www.example.com", "X-Forwarded-For", "203.0.113.9, 10.0.0.1", "X-Forwarded-Proto", "https").Body.String()
	if line(body, "appurl") != "https://www.example.com/app" || line(body, "remote") != "203.0.113.9" {
		t.Errorf("forwarded:\n%s", body)
	}
	body = get(h, "http://inner:8080/app/x", "X-Forwarded-Scheme", "https", "X-Forwarded-Proto", "http").Body.String()
	if line(body, "scheme") != "https" {
		t.Errorf("X-Forwarded-Scheme first:\n%s", body)
	}
}

// TestPrefixRemovesAppliedHeaders: as Paste pops them from the environ,
// the headers the filter applied do not reach the app.
func TestPrefixRemovesAppliedHeaders(t *testing.T) {
	h := mustBuild(t, "[pipeline:main]\npipeline = f app\n[filter:f]\nuse = egg:PasteDeploy#prefix\nprefix = /app\n"+
		"[app:app]\nuse = egg:pasteserve#filters-headers-app\n")
	for _, tc := range []struct {
		sent []string
		want string
	}{
		{[]string{"X-Forwarded-Server", "s", "X-Forwarded-Host", "h", "X-Forwarded-For", "192.0.2.1, 10.0.0.1", "X-Forwarded-Proto", "https", "X-Other", "kept"},
			"X-Other: kept\n"},
		// Only X-Forwarded-Scheme is applied when both are there, so
		// X-Forwarded-Proto stays, as in Paste.
		{[]string{"X-Forwarded-Scheme", "https", "X-Forwarded-Proto", "http"}, "X-Forwarded-Proto: http\n"},
		{[]string{"X-Forwarded-For", "not an address"}, ""},
	} {
		if got := get(h, "/app/x", tc.sent...).Body.String(); got != tc.want {
			t.Errorf("%q: the app got\n%s", tc.sent, got)
		}
	}
}

func init() {
	factory.Register(factory.Factory{Name: "filters-headers-app", Namespace: "pasteserve", Kind: factory.KindApp, App: func(cfg *factory.Config) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			keys := make([]string, 0, len(r.Header))
			for k := range r.Header {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(w, "%s: %s\n", k, strings.Join(r.Header[k], ", "))
			}
		}), nil
	}})
}

func TestPrefixOptions(t *testing.T) {
	h := mustBuild(t, filterPaste("use = egg:PasteDeploy#prefix", "prefix = /p", "translate_forwarded_server = false", "force_port = 8443", "scheme = https"))
	body := get(h, "http://inner:8080/p/x", "X-Forwarded-Host", "evil").Body.String()
	if line(body, "appurl") != "https://inner:8443/p" {
		t.Errorf("\n%s", body)
	}
	h = mustBuild(t, filterPaste("use = egg:PasteDeploy#prefix", "force_port ="))
	if body := get(h, "http://inner:8080/x").Body.String(); line(body, "host") != "inner" || line(body, "script") != "" {
		t.Errorf("empty force_port:\n%s", body)
	}
	use := "use = egg:PasteDeploy#prefix"
	wantBuildError(t, filterPaste(use, "prefix = app"), "5:1", `[filter:f] prefix: "app" does not start with /`)
	wantBuildError(t, filterPaste(use, "translate_forwarded_server = perhaps"), "5:1", `translate_forwarded_server: "perhaps" is not a boolean`)
	wantBuildError(t, filterPaste(use, "force_port = http"), "5:1", `[filter:f] force_port: "http" is not a port number`)
	wantBuildError(t, filterPaste(use, "scheme = ftp"), "5:1", `[filter:f] scheme: "ftp" is neither http nor https`)
}

func TestGzip(t *testing.T) {
	for _, use := range []string{"use = egg:Paste#gzip", "paste.filter_factory = glance.api.middleware.gzip:GzipMiddleware.factory"} {
		h := mustBuild(t, filterPaste(use, "compress_level = 9"))
		rec := get(h, "/x", "Accept-Encoding", "deflate, gzip")
		if rec.Header().Get("Content-Encoding") != "gzip" || rec.Header().Get("Vary") != "Accept-Encoding" {
			t.Fatalf("%s: %v", use, rec.Header())
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		if line(string(plain), "path") != "/x" {
			t.Errorf("%s: %q", use, plain)
		}
	}
	h := mustBuild(t, filterPaste("use = egg:Paste#gzip"))
	for _, ae := range []string{"", "br", "gzip;q=0"} {
		if rec := get(h, "/x", "Accept-Encoding", ae); rec.Header().Get("Content-Encoding") != "" || line(rec.Body.String(), "path") != "/x" {
			t.Errorf("Accept-Encoding %q compressed", ae)
		}
	}
	// A HEAD gets the header fields its GET gets (RFC 9110 §9.3.2), and
	// no body.
	if rec := do(h, func() *http.Request {
		r := httptest.NewRequest("HEAD", "/x", nil)
		r.Header.Set("Accept-Encoding", "gzip")
		return r
	}()); rec.Header().Get("Content-Encoding") != "gzip" || rec.Header().Get("Content-Length") != "" || rec.Body.Len() != 0 {
		t.Errorf("HEAD: %v, body %q; want the GET's Content-Encoding: gzip and no body", rec.Header(), rec.Body)
	}
	mw, _ := NewGzip(DefaultGzipOptions())
	encoded := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "br")
		io.WriteString(w, "already")
	}))
	if rec := get(encoded, "/", "Accept-Encoding", "gzip"); rec.Body.String() != "already" {
		t.Errorf("re-encoded: %q", rec.Body)
	}
	wantBuildError(t, filterPaste("use = egg:Paste#gzip", "compress_level = 10"), "5:1", `[filter:f] compress_level: 10 is not between 1 and 9`)
	wantBuildError(t, filterPaste("use = egg:Paste#gzip", "compress_level = max"), "5:1", `[filter:f] compress_level: "max" is not a whole number`)
}

func TestErrorDocument(t *testing.T) {
	src := "[filter-app:main]\nuse = egg:Paste#errordocument\nnext = app\n404 = /errors/404?status=200\n500 = /errors/500?status=500\n" +
		"[app:app]\nuse = egg:pasteserve#filters-test-app\n"
	h := mustBuild(t, src)
	rec := do(h, httptest.NewRequest("POST", "/missing?status=404", strings.NewReader("body")))
	if rec.Code != 404 || line(rec.Body.String(), "path") != "/errors/404" {
		t.Errorf("404: %d\n%s", rec.Code, rec.Body)
	}
	// The page itself failing with a listed status is not replaced again.
	rec = get(h, "/broken?status=500")
	if rec.Code != 500 || line(rec.Body.String(), "path") != "/errors/500" {
		t.Errorf("500: %d\n%s", rec.Code, rec.Body)
	}
	if rec := get(h, "/fine?status=403"); rec.Code != 403 || line(rec.Body.String(), "path") != "/fine" {
		t.Errorf("unlisted status: %d\n%s", rec.Code, rec.Body)
	}
	base := "[filter-app:main]\nuse = egg:Paste#errordocument\nnext = app\n"
	tail := "[app:app]\nuse = egg:pasteserve#filters-test-app\n"
	wantBuildError(t, base+"notfound = /x\n"+tail, "4:1", `[filter-app:main] notfound: bad status code "notfound"`)
	wantBuildError(t, base+"200 = /x\n"+tail, "4:1", `bad status code "200"`)
	wantBuildError(t, base+"404 = errors/404.html\n"+tail, "4:1", `[filter-app:main] 404: "errors/404.html" is not a path starting with /`)
	// A Go caller gets the same checks, each named by its status code.
	_, err := NewErrorDocument(ErrorDocumentOptions{Pages: map[int]string{200: "/x", 404: "x"}})
	if want := "200: bad status code \"200\": errordocument keys are error statuses (400-599) mapped to paths\n404: \"x\" is not a path starting with /"; err == nil || err.Error() != want {
		t.Errorf("NewErrorDocument: %v, want %s", err, want)
	}
}

func BenchmarkPrefix(b *testing.B) {
	benchFilter(b, benchPaste("use = egg:PasteDeploy#prefix", "prefix = /app"), func() *http.Request {
		return httptest.NewRequest("GET", "/app/x", nil)
	})
}

func BenchmarkGzip(b *testing.B) {
	benchFilter(b, benchPaste("use = egg:Paste#gzip"), func() *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Encoding", "gzip")
		return r
	})
}

func BenchmarkErrorDocument(b *testing.B) {
	benchFilter(b, benchPaste("use = egg:Paste#errordocument", "404 = /404.html"), func() *http.Request {
		return httptest.NewRequest("GET", "/", nil)
	})
}
