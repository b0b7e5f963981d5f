package filters

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func appPaste(use string, opts ...string) string {
	return "[app:main]\n" + use + "\n" + strings.Join(opts, "\n") + "\n"
}

func TestHealthcheckReferences(t *testing.T) {
	for _, use := range []string{"use = egg:oslo.middleware#healthcheck", "paste.app_factory = oslo_middleware:Healthcheck.app_factory", "use = egg:pasteserve#healthcheck"} {
		h := mustBuild(t, appPaste(use))
		if rec := get(h, "/anything"); rec.Code != 200 {
			t.Errorf("app %s: %d", use, rec.Code)
		}
	}
	for _, use := range []string{"use = egg:oslo.middleware#healthcheck", "paste.filter_factory = oslo_middleware:Healthcheck.factory", "use = egg:pasteserve#healthcheck"} {
		h := mustBuild(t, filterPaste(use))
		if rec := get(h, "/healthcheck"); rec.Code != 200 || rec.Body.String() != "" {
			t.Errorf("filter %s: %d %q", use, rec.Code, rec.Body)
		}
		if rec := get(h, "/other"); line(rec.Body.String(), "path") != "/other" {
			t.Errorf("filter %s did not pass /other on: %s", use, rec.Body)
		}
	}
}

func TestHealthcheckDisableByFile(t *testing.T) {
	flag := filepath.Join(t.TempDir(), "disable")
	h := mustBuild(t, appPaste("paste.app_factory = oslo_middleware:Healthcheck.app_factory", "backends = disable_by_file", "disable_by_file_path = "+flag))
	check := func(method string, wantCode int, wantBody string) {
		t.Helper()
		rec := do(h, httptest.NewRequest(method, "/", nil))
		if rec.Code != wantCode || rec.Body.String() != wantBody {
			t.Errorf("%s: %d %q, want %d %q", method, rec.Code, rec.Body, wantCode, wantBody)
		}
	}
	check("GET", 200, "OK")
	check("HEAD", 204, "")
	os.WriteFile(flag, nil, 0o644)
	check("GET", 503, "DISABLED BY FILE")
	check("HEAD", 503, "")
}

func TestHealthcheckDisableByFilesPorts(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "5000"), nil, 0o644)
	h := mustBuild(t, appPaste("use = egg:oslo.middleware#healthcheck", "backends = disable_by_files_ports",
		"disable_by_file_paths = 5000:"+dir+"/5000, 35357:"+dir+"/35357"))
	for port, want := range map[int]int{5000: 503, 35357: 200, 8080: 200} {
		r := httptest.NewRequest("GET", "/", nil)
		r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}))
		if rec := do(h, r); rec.Code != want {
			t.Errorf("port %d: %d", port, rec.Code)
		}
	}
}

func TestHealthcheckEnableByFiles(t *testing.T) {
	need := filepath.Join(t.TempDir(), "ready")
	h := mustBuild(t, appPaste("use = egg:oslo.middleware#healthcheck", "backends = enable_by_files", "enable_by_file_paths = "+need))
	if rec := get(h, "/"); rec.Code != 503 || rec.Body.String() != "FILE PATH MISSING" {
		t.Errorf("%d %q", rec.Code, rec.Body)
	}
	os.WriteFile(need, nil, 0o644)
	if rec := get(h, "/"); rec.Code != 200 {
		t.Errorf("%d", rec.Code)
	}
}

func TestHealthcheckAccept(t *testing.T) {
	h := mustBuild(t, appPaste("use = egg:oslo.middleware#healthcheck", "backends = disable_by_file"))
	rec := get(h, "/", "Accept", "application/json")
	var v map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%v %s", err, rec.Body)
	}
	if v["detailed"] != false || len(v) != 2 || v["reasons"].([]any)[0] != "OK" {
		t.Errorf("json %v", v)
	}
	rec = get(h, "/", "Accept", "text/html")
	if !strings.Contains(rec.Body.String(), "<TD>OK</TD>") || strings.Contains(rec.Body.String(), "Go version") || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Errorf("html %s", rec.Body)
	}
	for accept, want := range map[string]string{
		"image/png":                          "text/plain",
		"application/json;q=0.5, text/html":  "text/html",
		"*/*":                                "text/plain",
		"text/*;q=0.1, application/json":     "application/json",
		"text/plain;q=0, text/*":             "text/html",
		"application/json, text/plain;q=0.9": "application/json",
	} {
		if got := get(h, "/", "Accept", accept).Header().Get("Content-Type"); !strings.HasPrefix(got, want) {
			t.Errorf("Accept %q: %s, want %s", accept, got, want)
		}
	}
}

func TestHealthcheckDetailed(t *testing.T) {
	h := mustBuild(t, appPaste("use = egg:oslo.middleware#healthcheck", "backends = disable_by_file", "disable_by_file_path = /nonexistent/x", "detailed = true"))
	var v map[string]any
	json.Unmarshal(get(h, "/", "Accept", "application/json").Body.Bytes(), &v)
	reasons, _ := v["reasons"].([]any)
	if v["detailed"] != true || v["go_version"] == nil || len(reasons) != 1 || reasons[0].(map[string]any)["details"] != "Path '/nonexistent/x' was not found" {
		t.Errorf("detailed json %v", v)
	}
	if body := get(h, "/", "Accept", "text/html").Body.String(); !strings.Contains(body, "Go version") || !strings.Contains(body, "Path &#39;/nonexistent/x&#39; was not found") {
		t.Errorf("detailed html %s", body)
	}
}

func TestHealthcheckFilterPath(t *testing.T) {
	h := mustBuild(t, filterPaste("use = egg:oslo.middleware#healthcheck", "path = /health"))
	if rec := get(h, "/health"); rec.Code != 200 || rec.Body.String() != "" {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
	if rec := get(h, "/healthcheck"); line(rec.Body.String(), "path") != "/healthcheck" {
		t.Errorf("not passed on: %s", rec.Body)
	}
}

func TestHealthcheckSourceRangesAndProxied(t *testing.T) {
	app := mustBuild(t, appPaste("use = egg:oslo.middleware#healthcheck", "allowed_source_ranges = 127.0.0.0/8, ::1", "ignore_proxied_requests = true"))
	filter := mustBuild(t, filterPaste("use = egg:oslo.middleware#healthcheck", "allowed_source_ranges = 127.0.0.0/8", "ignore_proxied_requests = true"))
	req := func(remote string, headers ...string) *http.Request {
		r := httptest.NewRequest("GET", "/healthcheck", nil)
		r.RemoteAddr = remote
		for i := 0; i+1 < len(headers); i += 2 {
			r.Header.Set(headers[i], headers[i+1])
		}
		return r
	}
	if rec := do(app, req("127.0.0.1:5")); rec.Code != 200 {
		t.Errorf("allowed: %d", rec.Code)
	}
	if rec := do(app, req("[::1]:5")); rec.Code != 200 {
		t.Errorf("allowed v6: %d", rec.Code)
	}
	if rec := do(app, req("192.0.2.1:5")); rec.Code != 404 {
		t.Errorf("outside range, app: %d", rec.Code)
	}
	if rec := do(app, req("127.0.0.1:5", "X-Forwarded-For", "1.2.3.4")); rec.Code != 404 {
		t.Errorf("proxied, app: %d", rec.Code)
	}
	if rec := do(filter, req("192.0.2.1:5")); line(rec.Body.String(), "path") != "/healthcheck" {
		t.Errorf("outside range, filter did not pass on: %s", rec.Body)
	}
}

func TestHealthcheckBadOptions(t *testing.T) {
	use := "use = egg:oslo.middleware#healthcheck"
	wantBuildError(t, appPaste(use, "backends = disable_by_fiel"), "3:1", `[app:main] backends: unknown backend "disable_by_fiel"`)
	wantBuildError(t, appPaste(use, "backends = disable_by_file enable_by_files"), "3:1", `cannot be configured at once`)
	wantBuildError(t, appPaste(use, "backends = disable_by_files_ports", "disable_by_file_paths = 5000/tmp/x"), "4:1", `[app:main] disable_by_file_paths: "5000/tmp/x" is not port:path`)
	wantBuildError(t, appPaste(use, "backends = disable_by_files_ports", "disable_by_file_paths = 99999:/tmp/x"), "4:1", `"99999:/tmp/x" is not port:path`)
	wantBuildError(t, appPaste(use, "detailed = very"), "3:1", `[app:main] detailed: "very" is not a boolean`)
	wantBuildError(t, appPaste(use, "ignore_proxied_requests = 2"), "3:1", `[app:main] ignore_proxied_requests: "2" is not a boolean`)
	wantBuildError(t, appPaste(use, "allowed_source_ranges = 10.0.0.0/8 localhost"), "3:1", `[app:main] allowed_source_ranges: "localhost" is not an IP address or CIDR`)
	wantBuildError(t, filterPaste(use, "path = healthcheck"), "5:1", `[filter:f] path: "healthcheck" does not start with /`)
}

func BenchmarkHealthcheck(b *testing.B) {
	benchFilter(b, benchPaste("use = egg:oslo.middleware#healthcheck", "backends = disable_by_file", "disable_by_file_path = /nonexistent"), func() *http.Request {
		return httptest.NewRequest("GET", "/healthcheck", nil)
	})
}

func BenchmarkHealthcheckPassThrough(b *testing.B) {
	benchFilter(b, benchPaste("use = egg:oslo.middleware#healthcheck"), func() *http.Request {
		return httptest.NewRequest("GET", "/v2.0/networks", nil)
	})
}
