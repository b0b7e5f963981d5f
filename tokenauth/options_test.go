package tokenauth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pasteserve/pasteserve/build"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/resolve"
)

func TestAuthTokenOptionErrors(t *testing.T) {
	k := newFakeKeystone(t)
	// Options added after the base ones start on line 14.
	for _, c := range []struct{ opt, pos, want string }{
		{"cache = swift.cache", "14:1", "Swift's"},
		{"delay_auth_decision = maybe", "14:1", `"maybe" is not a boolean`},
		{"token_cache_time = soon", "14:1", `"soon" is not a duration`},
		{"token_cache_size = 0", "14:1", "must be at least 1"},
		{"interface = private", "14:1", `"private" is not one of public, internal, admin`},
		{"enforce_token_bind = strict", "14:1", `"strict" is not one of disabled, permissive`},
		{"http_connect_timeout = 0", "14:1", "must be more than 0 seconds"},
		{"include_service_catalog = 2", "14:1", "is not a boolean"},
		{"service_token_roles_required = often", "14:1", "is not a boolean"},
		{"certfile = /nonexistent.pem", "3:1", "keyfile: is required with certfile"},
		{"cafile = /nonexistent/ca.pem", "14:1", "no such file"},
	} {
		wantBuildError(t, authTokenPaste(k, c.opt), c.pos, c.want)
	}
	replace := func(old, new string) string { return strings.Replace(authTokenPaste(k), old, new, 1) }
	wantBuildError(t, replace("auth_type = password", "auth_type = v3token"), "7:1", `"v3token" is not one of password, v3password`)
	wantBuildError(t, replace("http_request_max_retries = 0", "http_request_max_retries = -1"), "13:1", "is negative")
	wantBuildError(t, replace("auth_url = "+k.URL(), "auth_url = keystone:5000"), "5:1", `"keystone:5000" is not an http:// or https:// URL`)
	wantBuildError(t, replace("auth_url = "+k.URL()+"\n", ""), "3:1", "auth_url: is required")
	wantBuildError(t, replace("password = svc-pass\n", ""), "3:1", "password: is required")
	wantBuildError(t, replace("username = svc\n", ""), "3:1", "username: is required")
	wantBuildError(t, replace("user_domain_name = Default\n", ""), "3:1", "user_domain_name: is required (or user_domain_id)")
	wantBuildError(t, replace("project_domain_name = Default\n", ""), "3:1", "project_domain_name: is required (or project_domain_id)")
	wantBuildError(t, replace("project_name = service\n", ""), "3:1", "project_name: is required (or project_id")
	// The legacy plugin's options, without auth_type.
	legacy := strings.Replace(filterPaste("paste.filter_factory = keystone.middleware.auth_token:filter_factory",
		"auth_host = 127.0.0.1", "admin_user = nova", "admin_password = x", "admin_tenant_name = service"), "filters-test-app", "authtoken-test-app", 1)
	wantBuildError(t, legacy, "5:1", "the legacy admin_user/auth_host options are not supported")
}

func TestAuthTokenAlternativeCredentials(t *testing.T) {
	// user_id and project_id need no domains; default_domain_* stand
	// in for both domains.
	for _, opts := range [][]string{
		{"user_id = u", "project_id = p"},
		{"username = u", "default_domain_id = default", "project_name = p"},
		{"username = u", "user_domain_id = default", "domain_name = Default"},
		{"username = u", "user_domain_id = default", "system_scope = all"},
	} {
		src := filterPaste("use = egg:keystonemiddleware#auth_token", append([]string{"auth_url = http://127.0.0.1:1/v3", "password = x"}, opts...)...)
		if _, err := buildPaste(t, src); err != nil {
			t.Errorf("%v: %v", opts, err)
		}
	}
}

// buildWithGlobal builds src's main with global as the caller's
// global_conf, as a server that read [keystone_authtoken] would.
func buildWithGlobal(t *testing.T, src string, global map[string]string) (*plan.Node, error) {
	t.Helper()
	r := &resolve.Resolver{Registry: factory.Default}
	return r.Resolve(pasteFile(t, src), "main", plan.TypeApp, global)
}

func TestAuthTokenOptionsFromGlobalConf(t *testing.T) {
	k := newFakeKeystone(t)
	global := map[string]string{
		"keystone_authtoken.auth_url":             k.URL(),
		"keystone_authtoken.auth_type":            "password",
		"keystone_authtoken.username":             "svc",
		"keystone_authtoken.password":             "svc-pass",
		"keystone_authtoken.user_domain_name":     "Default",
		"keystone_authtoken.project_name":         "service",
		"keystone_authtoken.project_domain_name":  "Default",
		"keystone_authtoken.www_authenticate_uri": "http://from-global:5000",
	}
	// The corpus's modern form: no options in the paste file.
	src := authPaste(filterPaste("paste.filter_factory = keystonemiddleware.auth_token:filter_factory", "oslo_config_project = nova"))
	n, err := buildWithGlobal(t, src, global)
	if err != nil {
		t.Fatal(err)
	}
	h, err := build.Handler(n, factory.Default)
	if err != nil {
		t.Fatal(err)
	}
	if rec := get(h, "/", "X-Auth-Token", k.issue("alice", time.Hour)); rec.Code != 200 || headerLine(rec.Body.String(), "X-User-Id") != "alice-id" {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
	if got := get(h, "/").Header().Get("WWW-Authenticate"); got != `Keystone uri="http://from-global:5000"` {
		t.Errorf("WWW-Authenticate %q", got)
	}

	// The paste section wins over global_conf.
	src = authPaste(filterPaste("paste.filter_factory = keystonemiddleware.auth_token:filter_factory", "www_authenticate_uri = http://from-paste"))
	n, _ = buildWithGlobal(t, src, global)
	h, err = build.Handler(n, factory.Default)
	if err != nil {
		t.Fatal(err)
	}
	if got := get(h, "/").Header().Get("WWW-Authenticate"); got != `Keystone uri="http://from-paste"` {
		t.Errorf("WWW-Authenticate %q", got)
	}

	// A bad global value is reported at the section, naming its key.
	global["keystone_authtoken.token_cache_time"] = "often"
	n, _ = buildWithGlobal(t, src, global)
	_, err = build.Handler(n, factory.Default)
	if err == nil || !strings.Contains(err.Error(), "api.ini:3:1: [filter:f] token_cache_time: \"often\" is not a duration") ||
		!strings.Contains(err.Error(), "(from global_conf keystone_authtoken.token_cache_time)") {
		t.Errorf("error: %v", err)
	}
}

func TestAuthTokenTLSOptions(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pem")
	os.WriteFile(bad, []byte("not pem"), 0o644)
	k := newFakeKeystone(t)
	wantBuildError(t, authTokenPaste(k, "cafile = "+bad), "14:1", "holds no PEM certificate")
	wantBuildError(t, authTokenPaste(k, "certfile = "+bad, "keyfile = "+bad), "14:1", "certfile: tls:")
	if _, err := buildPaste(t, authTokenPaste(k, "insecure = true")); err != nil {
		t.Error(err)
	}
}

func TestAuthTokenOptionsFromPasteDefault(t *testing.T) {
	// [DEFAULT] is part of global_conf: one place for every auth_token
	// of a file.
	k := newFakeKeystone(t)
	src := "[DEFAULT]\n" +
		"keystone_authtoken.auth_url = " + k.URL() + "\n" +
		"keystone_authtoken.username = svc\nkeystone_authtoken.password = svc-pass\n" +
		"keystone_authtoken.user_domain_name = Default\nkeystone_authtoken.project_name = service\n" +
		"keystone_authtoken.project_domain_name = Default\n\n" +
		authPaste(filterPaste("use = egg:keystonemiddleware#auth_token"))
	h := mustBuild(t, src)
	if rec := get(h, "/", "X-Auth-Token", k.issue("alice", time.Hour)); rec.Code != 200 || headerLine(rec.Body.String(), "X-User-Id") != "alice-id" {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}

func TestTokenFilterErrorsNeverQuoteSecrets(t *testing.T) {
	// A secret's value is masked wherever a message would hold it: a
	// bad value of a secret option, and a secret that another option's
	// bad value repeats.
	for _, src := range []string{
		filterPaste("use = egg:keystonemiddleware#auth_token", "auth_url = http://127.0.0.1:1/v3", "username = u", "password = hunter2hunter2",
			"user_domain_name = Default", "project_name = p", "project_domain_name = Default", "delay_auth_decision = hunter2hunter2"),
		filterPaste("use = egg:keystonemiddleware#auth_token", "admin_password = s3cr3tAdminPass", "memcache_secret_key = m3mc4cheSecretKey", "token_cache_size = s3cr3tAdminPass"),
		filterPaste("use = egg:keystonemiddleware#auth_token", "auth_url = http://127.0.0.1:1/v3", "username = u", "password = p",
			"user_domain_name = Default", "project_name = p", "project_domain_name = Default", "memcache_secret_key = m3mc4cheSecretKey",
			"memcache_security_strategy = m3mc4cheSecretKey", "memcached_servers = m3mc4cheSecretKey:port"),
		filterPaste("use = egg:pasteserve#jwt_token", "secret_file = /nonexistent", "leeway = hunter2hunter2", "password = hunter2hunter2"),
	} {
		_, err := buildPaste(t, src)
		if err == nil {
			t.Fatalf("built:\n%s", src)
		}
		for _, secret := range []string{"hunter2hunter2", "s3cr3tAdminPass", "m3mc4cheSecretKey"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error quotes a secret:\n%v", err)
			}
		}
		if !strings.Contains(err.Error(), `"****"`) {
			t.Errorf("no masked value in:\n%v", err)
		}
	}
}
