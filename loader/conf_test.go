package loader

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/plan"
)

func TestResolveGlobalsAndInterpolation(t *testing.T) {
	runResolveCases(t, []resolveCase{
		{id: "35 36 here and __file__, defaults interpolated (g07)",
			files: map[string]string{"api.ini": "[DEFAULT]\nbase = %(here)s/x\nchain = %(base)s/y\n[app:main]\nuse = egg:P#a\nk = %(chain)s\n"},
			expr:  "egg:P#a", local: map[string]string{"k": "<dir>/x/y"}},
		{id: "37 39 set writes global, name stripped",
			files: map[string]string{"api.ini": "[app:main]\nuse = egg:P#a\nset   spaced   = v\nSET x = local\nsetx = local2\n"},
			local: map[string]string{"SET x": "local", "setx": "local2"}, global_: map[string]string{"spaced": "v"}},
		{id: "38 get reads the final global (g04)",
			files: map[string]string{"api.ini": "[DEFAULT]\ndef1 = a\n[app:main]\nuse = egg:P#a\nget foo = def2\nset def2 = TEST\nget def1 = def1\n"},
			local: map[string]string{"foo": "TEST", "def1": "a"}},
		{id: "38 get of a missing global", files: map[string]string{"api.ini": "[app:main]\nuse = egg:P#a\nget x = nosuch\n"},
			err: `there is no global "nosuch"`, errPos: "3:1"},
		{id: "40 DEFAULT shadows a local key (g01, Q4 kept)",
			files: map[string]string{"api.ini": "[DEFAULT]\ndebug = true\n[app:main]\nuse = egg:P#a\ndebug = false\nother = 1\n"},
			local: map[string]string{"other": "1"}, global_: map[string]string{"debug": "true"}},
		{id: "40 set overrides a default (g02)",
			files:   map[string]string{"api.ini": "[DEFAULT]\ndebug = true\n[app:main]\nuse = egg:P#a\nset debug = false\n"},
			global_: map[string]string{"debug": "false"}},
		{id: "41 %% and section-first lookup (a01)",
			files: map[string]string{"api.ini": "[DEFAULT]\nk = default\n[app:main]\nuse = egg:P#a\npct = 100%%\nown = mine\nref = %(own)s-%(k)s\n"},
			local: map[string]string{"pct": "100%", "own": "mine", "ref": "mine-default"}},
		{id: "41 42 missing interpolation key, error at file:line:col", files: map[string]string{"api.ini": "[app:main]\nuse = egg:P#a\ny = %(x)s\n"},
			err: `%(x)s, which is not defined`, errPos: "3:1"},
		{id: "41 bad percent", files: map[string]string{"api.ini": "[app:main]\nuse = egg:P#a\ny = 50% off\n"},
			err: `'%' must be followed by '%' or '('`},
		{id: "41 bad percent in an unused DEFAULT", files: map[string]string{"api.ini": "[DEFAULT]\nz = 5% off\n[app:main]\nuse = egg:P#a\n"},
			err: "in [DEFAULT]", errPos: "2:1"},
		{id: "41 depth limit", files: map[string]string{"api.ini": "[DEFAULT]\na = %(b)s\nb = %(a)s\n[app:main]\nuse = egg:P#a\n"},
			err: "nest more than 10 levels"},
		{id: "25 interpolation names case-sensitive (g11)", files: map[string]string{"api.ini": "[DEFAULT]\nName = x\n[app:main]\nuse = egg:P#a\nk = %(name)s\n"},
			err: "%(name)s, which is not defined"},
		{id: "43 use and pipeline values interpolated (i01)",
			files: map[string]string{"api.ini": "[DEFAULT]\ntarget = real\n[app:main]\nuse = %(target)s\n[app:real]\nuse = egg:P#real\n"},
			expr:  "egg:P#real"},
		{id: "44 caller global injected, shadows locals, wins raw (g13)",
			files:  map[string]string{"api.ini": "[DEFAULT]\ndef2 = b\n[app:main]\nuse = egg:P#a\nshadow = local\ninterp = this:%(inherit)s\n"},
			global: map[string]string{"def2": "API", "inherit": "bazbar", "shadow": "g"},
			local:  map[string]string{"interp": "this:bazbar"}, global_: map[string]string{"def2": "API", "inherit": "bazbar"}},
		{id: "45 caller global with a percent is literal (Q3 fixed)",
			files:  map[string]string{"api.ini": "[app:main]\nuse = egg:P#a\nk = %(rate)s\n"},
			global: map[string]string{"rate": "100%"},
			local:  map[string]string{"k": "100%"}},
		{id: "46 47 use chain merge (u01)",
			files: map[string]string{"api.ini": "[DEFAULT]\ng = default\n[app:main]\nuse = mid\nset g = from-main\nset only_main = m\na = main\n" +
				"[app:mid]\nuse = base\nset g = from-mid\nset only_mid = mid\na = mid\nb = mid\n" +
				"[app:base]\nuse = egg:ProbeApp#app\nset g = from-base\nset only_base = base\na = base\nb = base\nc = base\n"},
			expr:    "egg:ProbeApp#app",
			local:   map[string]string{"a": "main", "b": "mid", "c": "base"},
			global_: map[string]string{"g": "from-main", "only_main": "m", "only_mid": "mid", "only_base": "base"}},
		{id: "48 config include: outer DEFAULT wins, inner here (test_foreign_config)",
			files: map[string]string{
				"api.ini":          "[DEFAULT]\ndef1 = a\ndef2 = b\n[app:main]\nuse = config:inc/included.ini\nset glob = override\nanother = FOO\n",
				"inc/included.ini": "[DEFAULT]\ndef2 = from include\ndef3 = c\nwhere = %(here)s\n[app:main]\nuse = egg:P#inc\nset glob = orig\nbob = your uncle\nanother = BAR\nhome = %(where)s\n"},
			local:   map[string]string{"another": "FOO", "bob": "your uncle", "home": "<dir>/inc"},
			global_: map[string]string{"def1": "a", "def2": "b", "def3": "c", "glob": "override", "here": "<dir>", "__file__": "<dir>/api.ini"}},
		{id: "45 outer percent default does not break includes (x09, Q3 fixed)",
			files: map[string]string{
				"api.ini": "[DEFAULT]\nrate = 100%%\n[app:main]\nuse = config:inc.ini\n",
				"inc.ini": "[app:main]\nuse = egg:P#inc\nr = %(rate)s\n"},
			local: map[string]string{"r": "100%"}},
	})
}

// InGroup reads the section first, then global_conf's "group.key"; a bad
// value from the group is reported on the parent Config and says where
// it came from.
func TestConfigInGroup(t *testing.T) {
	cfg := NewConfig(
		map[string]string{"max_age": "60"},
		map[string]string{"cors.max_age": "7", "cors.allowed_origin": "https://a.example.com", "cors.allow_credentials": "maybe", "allowed_origin": "https://plain.example.com"},
	)
	g := cfg.InGroup("cors")
	if got := g.Int("max_age", 0); got != 60 {
		t.Errorf("section value: max_age = %d, want 60 (the section wins)", got)
	}
	if got := g.String("allowed_origin", ""); got != "https://a.example.com" {
		t.Errorf("group value: allowed_origin = %q", got)
	}
	if got := cfg.String("allowed_origin", ""); got != "" {
		t.Errorf("without InGroup, global_conf must not be read: %q", got)
	}
	if _, ok := g.Get("expose_headers"); ok {
		t.Errorf("expose_headers is set nowhere")
	}
	if got := g.Bool("allow_credentials", true); !got {
		t.Errorf("bad value: default not returned")
	}
	err := cfg.Err()
	if err == nil || !strings.Contains(err.Error(), `allow_credentials: "maybe" is not a boolean`) || !strings.Contains(err.Error(), "from global_conf cors.allow_credentials") {
		t.Errorf("error from the group: %v", err)
	}
}

// A factory's error quotes the value it rejects; for a secret key, and for
// a URL's password, the log must not get the value.
func TestConfigErrorsMaskSecrets(t *testing.T) {
	cfg := NewConfig(map[string]string{
		"admin_password": "hunter2", "memcache_secret_key": "3.5", "connection": "mysql+pymysql://nova:dbpw@db/nova", "cache_key": "k1",
	}, nil)
	cfg.Int("admin_password", 0)
	cfg.Bool("memcache_secret_key", false)
	cfg.Duration("connection", 0)
	cfg.Int("cache_key", 0)
	short := NewConfig(map[string]string{"api_key": "a"}, nil)
	short.Int("api_key", 0)
	if got := short.Err().Error(); !strings.Contains(got, `api_key: "****" is not a whole number`) {
		t.Errorf("a one-letter secret: %s", got)
	}
	msg := cfg.Err().Error()
	for _, secret := range []string{"hunter2", "3.5", "dbpw"} {
		if strings.Contains(msg, secret) {
			t.Errorf("error quotes %q:\n%s", secret, msg)
		}
	}
	for _, want := range []string{`admin_password: "****" is not a whole number`, `connection: "mysql+pymysql://nova:****@db/nova" is not a duration`, `cache_key: "k1" is not a whole number`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %s:\n%s", want, msg)
		}
	}
}

// Interpolation errors quote the value they stop at; a password with a
// stray '%' must not reach the log through them.
func TestInterpolationErrorsMaskSecrets(t *testing.T) {
	runResolveCases(t, []resolveCase{
		{id: "stray percent in a password", files: map[string]string{"api.ini": "[app:main]\nuse = egg:P#a\nadmin_password = s3c%ret\n"},
			err: `in "admin_password", found "****"`, errPos: "3:1"},
		{id: "bad reference in a secret key", files: map[string]string{"api.ini": "[app:main]\nuse = egg:P#a\nmemcache_secret_key = ab%(cd\n"},
			err: `bad interpolation reference "****" in "memcache_secret_key"`},
		{id: "reference loop in a token", files: map[string]string{"api.ini": "[app:main]\nuse = egg:P#a\nadmin_token = s3cret%(admin_token)s\n"},
			err: `raw value "****"`},
		{id: "a URL password, whatever the key", files: map[string]string{"api.ini": "[app:main]\nuse = egg:P#a\nconnection = mysql://nova:pw@db/nova?x=%z\n"},
			err: `found "%z"`},
		{id: "other keys quote their value", files: map[string]string{"api.ini": "[app:main]\nuse = egg:P#a\ngreeting = 100%\n"},
			err: `in "greeting", found "%"`},
	})
}

// An error a factory returns (not through Config.Errorf) is masked as
// Errorf masks: URL passwords, and the values of the node's secret keys
// (local or global) wherever the message quotes them, also inside the
// value of another key they were interpolated into.
func TestFactoryErrorsMaskSecrets(t *testing.T) {
	reg := testRegistry()
	reg.Register(Factory{Name: "db", Kind: KindApp, App: func(cfg *Config) (http.Handler, error) {
		return nil, fmt.Errorf("cannot connect to mysql://nova:FACTORYPW@db/nova as %q with %s (%s)",
			cfg.Local["basic"], cfg.Local["admin_password"], cfg.Global["db_pass"])
	}})
	reg.Register(Factory{Name: "diag", Kind: KindApp, App: func(cfg *Config) (http.Handler, error) {
		var ds dsl.Diagnostics
		ds.Errorf(cfg.Pos("admin_password"), "rejected %s", cfg.Local["admin_password"])
		return nil, ds
	}})
	for _, use := range []string{"egg:pasteserve#db", "egg:pasteserve#diag"} {
		dir := files(t, map[string]string{"api.ini": "[DEFAULT]\ndb_pass = GLOBALPW\n[app:main]\nuse = " + use +
			"\nadmin_password = LOCALPW\nbasic = user:%(db_pass)s\n"})
		n, err := (&Resolver{Registry: reg}).Resolve(filepath.Join(dir, "api.ini"), "main", plan.TypeApp, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Build(n, reg)
		if err == nil {
			t.Fatalf("%s: built", use)
		}
		msg := err.Error()
		if strings.Contains(msg, "PW") {
			t.Errorf("%s: the error quotes a secret:\n%s", use, msg)
		}
		if !strings.Contains(msg, "****") || !strings.Contains(msg, "api.ini:") {
			t.Errorf("%s: %s", use, msg)
		}
	}
}
