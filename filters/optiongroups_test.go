package filters

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// The oslo filters read what their section does not set from the option
// group oslo reads it from: [oslo_middleware] for sizelimit and
// http_proxy_to_wsgi, [healthcheck] for healthcheck. The server hands
// those groups over as global_conf "group.option"; here [DEFAULT] plays
// that part.
func TestOptionGroups(t *testing.T) {
	h := mustBuild(t, "[DEFAULT]\noslo_middleware.max_request_body_size = 10\n"+filterPaste("use = egg:oslo.middleware#sizelimit"))
	if rec := do(h, sized("/", 11)); rec.Code != 413 {
		t.Errorf("sizelimit with [oslo_middleware] max_request_body_size = 10: 11 bytes got %d", rec.Code)
	}
	h = mustBuild(t, "[DEFAULT]\noslo_middleware.max_request_body_size = 10\n"+filterPaste("use = egg:oslo.middleware#sizelimit", "max_request_body_size = 20"))
	if rec := do(h, sized("/?read=1", 11)); rec.Code != 200 {
		t.Errorf("the section's max_request_body_size must win over the group's: %d", rec.Code)
	}

	h = mustBuild(t, "[DEFAULT]\noslo_middleware.enable_proxy_headers_parsing = true\n"+filterPaste("use = egg:oslo.middleware#http_proxy_to_wsgi"))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Forwarded-Proto", "https")
	if got := line(do(h, r).Body.String(), "scheme"); got != "https" {
		t.Errorf("http_proxy_to_wsgi with [oslo_middleware] enable_proxy_headers_parsing: scheme %q", got)
	}

	h = mustBuild(t, "[DEFAULT]\nhealthcheck.detailed = true\nhealthcheck.backends = disable_by_file\nhealthcheck.disable_by_file_path = /nonexistent/x\n"+
		appPaste("use = egg:oslo.middleware#healthcheck"))
	r = httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept", "application/json")
	if rec := do(h, r); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"detailed": true`) {
		t.Errorf("healthcheck with [healthcheck] detailed: %d %s", rec.Code, rec.Body)
	}
	wantBuildError(t, "[DEFAULT]\noslo_middleware.http_basic_auth_user_file = /nonexistent/htpasswd\n"+filterPaste("use = egg:oslo.middleware#basic_auth"),
		"5:1", `cannot read the htpasswd file: open /nonexistent/htpasswd: no such file or directory (from global_conf oslo_middleware.http_basic_auth_user_file)`)
	wantBuildError(t, "[DEFAULT]\noslo_middleware.max_request_body_size = big\n"+filterPaste("use = egg:oslo.middleware#sizelimit"),
		"5:1", `max_request_body_size: "big" is not a whole number (from global_conf oslo_middleware.max_request_body_size)`)
}
