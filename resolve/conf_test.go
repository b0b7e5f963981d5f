package resolve

import (
	"testing"
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
