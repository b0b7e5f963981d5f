package pasteservecmd

import (
	"bytes"
	"strings"
	"testing"
)

// secretsPaste has secrets under every kind of name the rule knows, the
// names it must not mask, and a database URL with a password.
const secretsPaste = `[pipeline:main]
pipeline = authtoken app
[filter:authtoken]
use = egg:X#f
password = s3cret-pw
admin_password = s3cret-admin
admin_token = s3cret-token
memcache_secret_key = s3cret-mc
session.secret = s3cret-session
hmac_keys = s3cret-hmac
connection = mysql+pymysql://nova:s3cret-db@db/nova
colon_key = colon value
cache_key = the-cache-key
sort_key = name
token_cache_time = 300
password_file = /etc/nova/pw
[app:app]
use = egg:X#app
`

// shown are the values of secretsPaste that are no secrets and must be
// printed as written.
var shown = []string{"colon value", "the-cache-key", "300", "/etc/nova/pw", "mysql+pymysql://nova:****@db/nova"}

func mainCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := Main(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestGraphMasksSecrets(t *testing.T) {
	path := writeTemp(t, "api.ini", secretsPaste)
	for _, format := range []string{"text", "json", "expr", "dot", "mermaid"} {
		code, out, errOut := mainCLI("graph", "--paste", path, "--format", format)
		if code != 0 {
			t.Fatalf("graph --format %s: exit %d: %s", format, code, errOut)
		}
		if strings.Contains(out+errOut, "s3cret") {
			t.Errorf("graph --format %s prints a secret:\n%s", format, out)
		}
		if format == "text" || format == "json" {
			for _, want := range append(shown, "****") {
				if !strings.Contains(out, want) {
					t.Errorf("graph --format %s lacks %q:\n%s", format, want, out)
				}
			}
		}
	}
	// --show-secrets prints them as written.
	for _, format := range []string{"text", "json"} {
		code, out, _ := mainCLI("graph", "--paste", path, "--format", format, "--show-secrets")
		if code != 0 || !strings.Contains(out, "s3cret-admin") || !strings.Contains(out, "nova:s3cret-db@db") {
			t.Errorf("graph --format %s --show-secrets: exit %d:\n%s", format, code, out)
		}
	}
}

func TestConfigMasksByTheSharedRule(t *testing.T) {
	path := writeTemp(t, "api.ini", secretsPaste)
	code, out, errOut := mainCLI("config", "--paste", path, "--kind", "filter", "--name", "authtoken")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "s3cret") {
		t.Errorf("config prints a secret:\n%s", out)
	}
	for _, want := range []string{`"colon_key": "colon value"`, `"cache_key": "the-cache-key"`, `"sort_key": "name"`,
		`"token_cache_time": "300"`, `"password_file": "/etc/nova/pw"`, `"connection": "mysql+pymysql://nova:****@db/nova"`,
		`"hmac_keys": "****"`, `"session.secret": "****"`} {
		if !strings.Contains(out, want) {
			t.Errorf("config lacks %s:\n%s", want, out)
		}
	}
	_, out, _ = mainCLI("config", "--paste", path, "--kind", "filter", "--name", "authtoken", "--show-secrets")
	if !strings.Contains(out, "nova:s3cret-db@db") || !strings.Contains(out, "s3cret-hmac") {
		t.Errorf("--show-secrets:\n%s", out)
	}
}

// check quotes source lines: a [DEFAULT] that hides a section's password
// quotes both lines, and a password with a lone '%' is an interpolation
// error about the line it is on.
func TestCheckMasksSecretsInExcerpts(t *testing.T) {
	path := writeTemp(t, "api.ini", "[DEFAULT]\nadmin_password = s3cret-default\n[app:main]\nuse = egg:X#app\nadmin_password = s3cret-local\n")
	code, out, errOut := mainCLI("check", "--paste", path, "--allow-unregistered")
	if code != 0 || !strings.Contains(errOut, `"admin_password" in [app:main] is ignored`) {
		t.Fatalf("exit %d, want the shadowing warning:\n%s%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, "s3cret") {
		t.Errorf("check prints a secret:\n%s", errOut)
	}
	for _, want := range []string{"    5 | admin_password = ****\n      | ^\n", "    2 | admin_password = ****\n"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("check lacks %q:\n%s", want, errOut)
		}
	}

	path = writeTemp(t, "api.ini", "[app:main]\nuse = egg:X#app\nconnection = mysql://nova:s3cret@db/nova\nadmin_password = s3c%ret\n")
	code, out, errOut = mainCLI("check", "--paste", path)
	if code != 1 || !strings.Contains(errOut, "'%' must be followed by '%' or '('") {
		t.Fatalf("exit %d, want the interpolation error:\n%s%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, "s3c") || strings.Contains(out+errOut, `"%ret"`) {
		t.Errorf("check prints a secret:\n%s", errOut)
	}
}

// A secret interpolated into a key that names none is masked there too,
// in every format that prints values; and urlmap's paths (/v1/secrets)
// are no secrets.
func TestGraphAndConfigMaskInterpolatedSecrets(t *testing.T) {
	path := writeTemp(t, "api.ini", "[DEFAULT]\ndb_pass = hunter2\n[composite:main]\nuse = egg:Paste#urlmap\n/v1/secrets = app\n/v3/auth/tokens = app\n"+
		"[app:app]\nuse = egg:X#app\nbasic = user:%(db_pass)s\nworkers = 1\n")
	for _, format := range []string{"text", "json"} {
		code, out, errOut := mainCLI("graph", "--paste", path, "--format", format)
		if code != 0 {
			t.Fatalf("graph --format %s: exit %d: %s", format, code, errOut)
		}
		if strings.Contains(out, "hunter2") || !strings.Contains(out, "user:****") {
			t.Errorf("graph --format %s:\n%s", format, out)
		}
		for _, want := range map[string][]string{
			"text": {`/v1/secrets = "app"`, `/v3/auth/tokens = "app"`},
			"json": {`"/v1/secrets": "app"`, `"/v3/auth/tokens": "app"`},
		}[format] {
			if !strings.Contains(out, want) {
				t.Errorf("graph --format %s lacks %s (urlmap's paths are no secrets):\n%s", format, want, out)
			}
		}
	}
	code, out, errOut := mainCLI("config", "--paste", path, "--name", "app")
	if code != 0 {
		t.Fatalf("config: exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "hunter2") || !strings.Contains(out, `"basic": "user:****"`) || !strings.Contains(out, `"db_pass": "****"`) || !strings.Contains(out, `"workers": "1"`) {
		t.Errorf("config:\n%s", out)
	}
	code, out, _ = mainCLI("config", "--paste", path)
	if code != 0 || !strings.Contains(out, `"/v1/secrets": "app"`) || !strings.Contains(out, `"/v3/auth/tokens": "app"`) {
		t.Errorf("config of the urlmap: exit %d:\n%s", code, out)
	}
	_, out, _ = mainCLI("config", "--paste", path, "--name", "app", "--show-secrets")
	if !strings.Contains(out, `"basic": "user:hunter2"`) {
		t.Errorf("--show-secrets:\n%s", out)
	}
}

// Swift's tempauth puts each user's password first in its value.
func TestGraphMasksTempauthPasswords(t *testing.T) {
	code, out, errOut := mainCLI("graph", "--paste", "../testdata/paste/corpus/swift-saio__proxy-server.conf")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{`user_admin_admin = "**** .admin .reseller_admin"`, `user_test_tester = "**** .admin"`, `user_test_tester3 = "****"`} {
		if !strings.Contains(out, want) {
			t.Errorf("graph lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "testing") {
		t.Errorf("graph prints a tempauth password:\n%s", out)
	}
}

// Text after a section header is quoted by check's warning and its
// excerpt: a secret written there is masked in both.
func TestCheckMasksTextAfterAHeader(t *testing.T) {
	path := writeTemp(t, "api.ini", "[app:main] admin_password = TRAILPW\nuse = egg:X#app\n")
	_, out, errOut := mainCLI("check", "--paste", path)
	if strings.Contains(out+errOut, "TRAILPW") {
		t.Errorf("check prints a secret:\n%s%s", out, errOut)
	}
	for _, want := range []string{`text after the header's ']' is ignored: "admin_password = ****"`, "    1 | [app:main] admin_password = ****\n"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("check lacks %q:\n%s", want, errOut)
		}
	}
}
