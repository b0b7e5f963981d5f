package filters

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func corsRequest(method, origin string, headers ...string) *http.Request {
	r := httptest.NewRequest(method, "/", nil)
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return r
}

func TestCORSReferences(t *testing.T) {
	for _, use := range []string{"use = egg:oslo.middleware#cors", "paste.filter_factory = oslo_middleware.cors:filter_factory"} {
		h := mustBuild(t, filterPaste(use, "allowed_origin = https://dash.example.com"))
		if got := do(h, corsRequest("GET", "https://dash.example.com")).Header().Get("Access-Control-Allow-Origin"); got != "https://dash.example.com" {
			t.Errorf("%s: allow-origin %q", use, got)
		}
	}
}

func TestCORSDefaults(t *testing.T) {
	h := mustBuild(t, filterPaste("use = egg:oslo.middleware#cors", "allowed_origin = https://dash.example.com, https://other.example.com:8443"))
	rec := do(h, corsRequest("GET", "https://other.example.com:8443"))
	hd := rec.Header()
	if hd.Get("Access-Control-Allow-Origin") != "https://other.example.com:8443" || hd.Get("Access-Control-Allow-Credentials") != "true" || hd.Get("Vary") != "Origin" {
		t.Errorf("simple request: %v", hd)
	}
	if line(rec.Body.String(), "path") != "/" {
		t.Errorf("app not called")
	}
	// Preflight: default methods (PATCH), simple headers allowed, max age 3600.
	rec = do(h, corsRequest("OPTIONS", "https://dash.example.com", "Access-Control-Request-Method", "PATCH", "Access-Control-Request-Headers", "content-type, pragma"))
	hd = rec.Header()
	if rec.Code != 200 || hd.Get("Access-Control-Allow-Methods") != "PATCH" || hd.Get("Access-Control-Max-Age") != "3600" || hd.Get("Access-Control-Allow-Headers") == "" {
		t.Errorf("preflight %d: %v", rec.Code, hd)
	}
	// A header outside allow_headers fails the preflight: no CORS headers.
	rec = do(h, corsRequest("OPTIONS", "https://dash.example.com", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "X-Auth-Token"))
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight with a header not allowed: %v", rec.Header())
	}
	// Other origins get nothing.
	if got := do(h, corsRequest("GET", "https://evil.example.com")).Header().Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("evil origin allowed: %q", got)
	}
}

func TestCORSOptions(t *testing.T) {
	h := mustBuild(t, filterPaste("use = egg:oslo.middleware#cors", "allowed_origin = *", "allow_credentials = false",
		"expose_headers = X-Openstack-Request-Id, X-Subject-Token", "max_age = 60", "allow_methods = GET, PUT", "allow_headers = X-Auth-Token"))
	hd := do(h, corsRequest("GET", "https://any.example.com")).Header()
	if hd.Get("Access-Control-Allow-Origin") != "*" || hd.Get("Access-Control-Allow-Credentials") != "" || hd.Get("Access-Control-Expose-Headers") != "X-Openstack-Request-Id, X-Subject-Token" {
		t.Errorf("simple: %v", hd)
	}
	rec := do(h, corsRequest("OPTIONS", "https://any.example.com", "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "x-auth-token"))
	if hd := rec.Header(); hd.Get("Access-Control-Max-Age") != "60" || hd.Get("Access-Control-Allow-Methods") != "PUT" || hd.Get("Access-Control-Allow-Headers") != "X-Auth-Token" {
		t.Errorf("preflight: %v", hd)
	}
	rec = do(h, corsRequest("OPTIONS", "https://any.example.com", "Access-Control-Request-Method", "DELETE"))
	if rec.Header().Get("Access-Control-Allow-Methods") != "" {
		t.Errorf("DELETE allowed: %v", rec.Header())
	}
}

// Without allowed_origin (the corpus's oslo_config_project-only form)
// nothing is added.
func TestCORSNoOrigins(t *testing.T) {
	h := mustBuild(t, filterPaste("paste.filter_factory = oslo_middleware.cors:filter_factory", "oslo_config_project = neutron"))
	rec := do(h, corsRequest("GET", "https://dash.example.com"))
	if len(rec.Header().Values("Access-Control-Allow-Origin")) != 0 || line(rec.Body.String(), "path") != "/" {
		t.Errorf("%v", rec.Header())
	}
}

// The options also come from the [cors] group of the config files
// (global_conf "cors.<option>"), under what the section sets; with
// oslo_config_project = neutron, neutron's own defaults apply.
func TestCORSConfigGroup(t *testing.T) {
	src := "[DEFAULT]\ncors.allowed_origin = https://dash.example.com\ncors.max_age = 120\n" +
		filterPaste("paste.filter_factory = oslo_middleware.cors:filter_factory", "oslo_config_project = neutron", "max_age = 30")
	h := mustBuild(t, src)
	hd := do(h, corsRequest("GET", "https://dash.example.com")).Header()
	if hd.Get("Access-Control-Allow-Origin") != "https://dash.example.com" {
		t.Fatalf("[cors] allowed_origin not applied: %v", hd)
	}
	if got := hd.Get("Access-Control-Expose-Headers"); !strings.Contains(got, "X-Openstack-Request-Id") || !strings.Contains(got, "Openstack-Volume-Microversion") {
		t.Errorf("neutron's expose_headers defaults: %q", got)
	}
	// Neutron allows X-Auth-Token and max_age comes from the section (30),
	// not the group (120).
	rec := do(h, corsRequest("OPTIONS", "https://dash.example.com", "Access-Control-Request-Method", "DELETE", "Access-Control-Request-Headers", "x-auth-token"))
	if hd := rec.Header(); hd.Get("Access-Control-Allow-Methods") != "DELETE" || hd.Get("Access-Control-Allow-Headers") != "X-Auth-Token" || hd.Get("Access-Control-Max-Age") != "30" {
		t.Errorf("preflight: %v", hd)
	}
	// Neutron's allow_methods has no TRACE.
	rec = do(h, corsRequest("OPTIONS", "https://dash.example.com", "Access-Control-Request-Method", "TRACE"))
	if rec.Header().Get("Access-Control-Allow-Methods") != "" {
		t.Errorf("TRACE allowed: %v", rec.Header())
	}
	// Without oslo_config_project = neutron, oslo's own defaults: no
	// X-Auth-Token in a preflight.
	h = mustBuild(t, "[DEFAULT]\ncors.allowed_origin = https://dash.example.com\n"+filterPaste("use = egg:oslo.middleware#cors"))
	rec = do(h, corsRequest("OPTIONS", "https://dash.example.com", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "x-auth-token"))
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("X-Auth-Token allowed without neutron's defaults: %v", rec.Header())
	}
	// A bad value from the group is a build error that names the group.
	wantBuildError(t, "[DEFAULT]\ncors.allowed_origin = dash.example.com\n"+filterPaste("use = egg:oslo.middleware#cors"),
		"5:1", `"dash.example.com" is not an origin (write scheme://host[:port], or *) (from global_conf cors.allowed_origin)`)
}

func TestCORSBadOptions(t *testing.T) {
	use := "use = egg:oslo.middleware#cors"
	wantBuildError(t, filterPaste(use, "allowed_origin = dash.example.com"), "5:1", `[filter:f] allowed_origin: "dash.example.com" is not an origin`)
	wantBuildError(t, filterPaste(use, "allowed_origin = https://a.example.com/path"), "5:1", `is not an origin`)
	wantBuildError(t, filterPaste(use, "allow_credentials = sometimes"), "5:1", `[filter:f] allow_credentials: "sometimes" is not a boolean`)
	wantBuildError(t, filterPaste(use, "max_age = soon"), "5:1", `[filter:f] max_age: "soon" is not a whole number`)
	wantBuildError(t, filterPaste(use, "max_age = -1"), "5:1", `[filter:f] max_age: -1 is negative`)
	wantBuildError(t, filterPaste(use, "allow_methods = GET, P(UT"), "5:1", `[filter:f] allow_methods: "P(UT" is not an HTTP method`)
	wantBuildError(t, filterPaste(use, "allow_headers = X:Y"), "5:1", `[filter:f] allow_headers: "X:Y" is not a header name`)
	wantBuildError(t, filterPaste(use, "expose_headers = X(Y"), "5:1", `[filter:f] expose_headers: "X(Y" is not a header name`)
}

func BenchmarkCORS(b *testing.B) {
	benchFilter(b, benchPaste("use = egg:oslo.middleware#cors", "allowed_origin = https://dash.example.com"), func() *http.Request {
		return corsRequest("GET", "https://dash.example.com")
	})
}
