package pasteservecmd

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/pasteserve/pasteserve/builtin"
	"github.com/pasteserve/pasteserve/factory"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCheckExample(t *testing.T) {
	code, out, errOut := runCLI(t, "check", "--paste", "../testdata/paste/example.ini")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	for _, want := range []string{"10 sections, 1 app(s) resolved (main), no errors, 0 warning(s)", "7:1     [composite:main] (4 keys)", "[pipeline:api_v1]"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCheckReportsEveryErrorWithPosition(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.ini")
	src := "[app:main]\nuse = egg:X\nno delimiter here\n[app:main]\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "check", "--paste", path)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if out != "" {
		t.Errorf("stdout should be empty on error, got:\n%s", out)
	}
	for _, want := range []string{
		path + ":3:1: line has no '=' or ':'",
		"    3 | no delimiter here\n      | ^\n",
		path + ":4:2: section [app:main] is defined twice",
		path + ": 2 error(s)",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	if code, _, errOut := runCLI(t, "check"); code != 2 || !strings.Contains(errOut, "Usage: pasteserve check --paste FILE") {
		t.Errorf("check without --paste: exit %d, stderr:\n%s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, stderr:\n%s", code, errOut)
	}
	if code, out, _ := runCLI(t, "--help"); code != 0 || !strings.Contains(out, "check") {
		t.Errorf("--help: exit %d, stdout:\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, "check", "--paste", "does-not-exist.ini"); code != 1 || !strings.Contains(errOut, "does-not-exist.ini") {
		t.Errorf("missing file: exit %d, stderr:\n%s", code, errOut)
	}
	// config prints JSON, its one format; the --json it took and
	// ignored is gone.
	if code, _, errOut := runCLI(t, "config", "--paste", "api.ini", "--json"); code != 2 || !strings.Contains(errOut, "flag provided but not defined: -json") {
		t.Errorf("config --json: exit %d, stderr:\n%s", code, errOut)
	}
}

func writeTemp(t *testing.T, name, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCheckWarningsAndResolutionErrors: check's warnings, and a
// reference with no registered factory, which serve refuses: an error
// (exit status 1, serve's message), or with --allow-unregistered a
// warning (exit status 0).
func TestCheckWarningsAndResolutionErrors(t *testing.T) {
	path := writeTemp(t, "api.ini", "[DEFAULT]\ndebug = true\n[app:main]\nuse = egg:Paste#urlmap\n/ = home\ndebug = false\n"+
		"[app:home]\nuse = egg:Nowhere#home\n[app:orphan]\nuse = egg:Nowhere#orphan\n[filter:unused]\nuse = egg:Nowhere#f\n[weird] tail\n")
	warnings := []string{
		path + `:6:1: warning: "debug" in [app:main] is ignored: [DEFAULT]`,
		path + ":2:1: note: the default is defined here",
		path + ":9:1: warning: [app:orphan] is not reached from main",
		path + ":11:1: warning: [filter:unused] is not reached from main",
		path + `:13:1: warning: text after the header's ']' is ignored: "tail"`,
	}
	code, out, errOut := runCLI(t, "check", "--paste", path)
	if code != 1 || out != "" {
		t.Fatalf("exit %d, want 1 (serve refuses the unregistered reference); stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range append(warnings,
		path+":8:7: [app:home]: no factory is registered for egg:Nowhere#home",
		path+": 1 error(s), 4 warning(s)") {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "warning: egg:Nowhere#home") {
		t.Errorf("the unregistered reference is a warning too:\n%s", errOut)
	}
	// serve's own message for the same file.
	if code, _, errOut := runCLI(t, "serve", "--paste", path, "--log-format", "json"); code != 1 ||
		!strings.Contains(errOut, path+":8:7: [app:home]: no factory is registered for egg:Nowhere#home") {
		t.Errorf("serve: exit %d\n%s", code, errOut)
	}

	code, out, errOut = runCLI(t, "check", "--paste", path, "--allow-unregistered")
	if code != 0 {
		t.Fatalf("--allow-unregistered: exit %d, want 0 (warnings only); stderr:\n%s", code, errOut)
	}
	for _, want := range append(warnings, path+":8:7: warning: egg:Nowhere#home has no registered Go factory") {
		if !strings.Contains(errOut, want) {
			t.Errorf("--allow-unregistered: stderr lacks %q:\n%s", want, errOut)
		}
	}
	if !strings.Contains(out, "no errors, 5 warning(s)") {
		t.Errorf("--allow-unregistered: stdout:\n%s", out)
	}

	// A resolution error, and the app that did resolve is built: its
	// unregistered reference is reported in the same run.
	bad := writeTemp(t, "bad.ini", "[pipeline:main]\npipeline = nosuch app\n[app:app]\nuse = egg:X#a\n")
	code, _, errOut = runCLI(t, "check", "--paste", bad)
	if code != 1 || !strings.Contains(errOut, bad+`:2:12: no filter named "nosuch"`) ||
		!strings.Contains(errOut, bad+`:4:7: [app:app]: no factory is registered for egg:X#a`) || !strings.Contains(errOut, "2 error(s)") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
	code, _, errOut = runCLI(t, "check", "--paste", bad, "--allow-unregistered")
	if code != 1 || !strings.Contains(errOut, bad+`:2:12: no filter named "nosuch"`) || !strings.Contains(errOut, "1 error(s)") {
		t.Errorf("--allow-unregistered: exit %d, stderr:\n%s", code, errOut)
	}
}

func TestConfigAndGraph(t *testing.T) {
	path := writeTemp(t, "api.ini", "[DEFAULT]\nd = 1\n[pipeline:main]\npipeline = f app\n[filter:f]\nuse = egg:X#f\n[app:app]\nuse = egg:X#app\nk = %(d)s-%(g)s\n")
	code, out, errOut := runCLI(t, "config", "--paste", path, "--name", "app", "--global", "g=G")
	if code != 0 {
		t.Fatalf("config: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(out, `"k": "1-G"`) || !strings.Contains(out, `"g": "G"`) || !strings.Contains(out, `"d": "1"`) {
		t.Errorf("config output:\n%s", out)
	}
	code, out, _ = runCLI(t, "graph", "--paste", path, "--global", "g=G", "--format", "expr")
	if code != 0 || strings.TrimSpace(out) != "egg:X#f(egg:X#app)" {
		t.Errorf("graph expr: exit %d, %q", code, out)
	}
	code, out, _ = runCLI(t, "graph", "--paste", path, "--global", "g=G")
	if code != 0 || !strings.Contains(out, "[pipeline:main] pipeline  api.ini:3:1") || !strings.Contains(out, "    filter [filter:f] filter egg:X#f (unregistered)  api.ini:5:1") {
		t.Errorf("graph text: exit %d\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, "graph", "--paste", path, "--format", "svg"); code != 2 || !strings.Contains(errOut, "--format must be") {
		t.Errorf("bad format: exit %d %s", code, errOut)
	}
}

func TestGraphPictures(t *testing.T) {
	path := writeTemp(t, "api.ini", "[pipeline:main]\npipeline = f app\n[filter:f]\nuse = egg:X#f\n[app:app]\nuse = egg:X#app\n")
	code, out, _ := runCLI(t, "graph", "--paste", path, "--format", "dot")
	for _, want := range []string{"digraph paste {", `n0 [label="[pipeline:main]\npipeline"];`, `n1 [label="[filter:f]\negg:X#f"];`, `n0 -> n1 [label="filter 1"];`, `n0 -> n2 [label="app"];`} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("dot lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCLI(t, "graph", "--paste", path, "--format", "mermaid")
	for _, want := range []string{"flowchart TD", `n1["[filter:f]<br/>egg:X#f"]`, `n0 -->|"app"| n2`} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("mermaid lacks %q:\n%s", want, out)
		}
	}
}

func TestConfigFilesReachGraph(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "my-paste.ini"), []byte("[composite:main]\nuse = call:neutron.auth:pipeline_factory\nnoauth = app\nkeystone = f app\n[filter:f]\nuse = egg:X#f\n[app:app]\nuse = egg:X#app\n"), 0o644)
	conf := filepath.Join(dir, "svc.conf")
	os.WriteFile(conf, []byte("[DEFAULT]\napi_paste_config = my-paste.ini\nauth_strategy = noauth\n"), 0o644)
	code, out, errOut := runCLI(t, "graph", "--config-file", conf, "--format", "expr")
	if code != 0 || strings.TrimSpace(out) != "call:neutron.auth:pipeline_factory{noauth=egg:X#app}" {
		t.Errorf("graph with --config-file: exit %d %q %s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "graph", "--config-file", conf, "--global", "auth_strategy=keystone", "--format", "expr")
	if code != 0 || strings.TrimSpace(out) != "call:neutron.auth:pipeline_factory{keystone=egg:X#f(egg:X#app)}" {
		t.Errorf("--global overrides the config file: exit %d %q", code, out)
	}
}

func TestConfigMasksSecrets(t *testing.T) {
	path := writeTemp(t, "api.ini", "[DEFAULT]\nkeystone_authtoken.password = hunter2\n[filter:authtoken]\nuse = egg:X#f\npassword = s3cret\nusername = nova\ncert_file = /etc/x.pem\n")
	_, out, _ := runCLI(t, "config", "--paste", path, "--kind", "filter", "--name", "authtoken")
	if strings.Contains(out, "hunter2") || strings.Contains(out, "s3cret") || !strings.Contains(out, `"password": "****"`) || !strings.Contains(out, `"username": "nova"`) || !strings.Contains(out, "/etc/x.pem") {
		t.Errorf("config printed:\n%s", out)
	}
	if _, out, _ := runCLI(t, "config", "--paste", path, "--kind", "filter", "--name", "authtoken", "--show-secrets"); !strings.Contains(out, "s3cret") {
		t.Errorf("--show-secrets:\n%s", out)
	}
}

// A bad serve flag is a usage error, found as the flags are parsed: exit
// status 2 and a message that names the flag and says what it takes.
// --workers -5 used to serve in one process; --bind with a bad port or
// no port, an empty --name and the like failed later, or not at all.
func TestServeFlagValuesAreUsageErrors(t *testing.T) {
	// A paste file that is not there: the flag must be refused before
	// it is looked for (and nothing may start serving).
	paste := filepath.Join(t.TempDir(), "missing.ini")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--workers", "-5"}, `invalid value "-5" for flag -workers: want a whole number of worker processes, 0 or more (0 serves in this process)`},
		{[]string{"--workers", "two"}, `invalid value "two" for flag -workers: want a whole number`},
		{[]string{"--bind", "127.0.0.1:70000"}, `invalid value "127.0.0.1:70000" for flag -bind: port "70000": want a number from 0 (any free port) to 65535`},
		{[]string{"--bind", "127.0.0.1:http"}, `invalid value "127.0.0.1:http" for flag -bind: port "http": want a number`},
		{[]string{"--bind", "localhost"}, `invalid value "localhost" for flag -bind: want HOST:PORT, [IPv6]:PORT or :PORT`},
		{[]string{"--bind", ""}, `invalid value "" for flag -bind: want HOST:PORT`},
		{[]string{"--log-format", "xml"}, `invalid value "xml" for flag -log-format: want json or console`},
		{[]string{"--name", ""}, `invalid value "" for flag -name: must not be empty`},
		{[]string{"--server-name", ""}, `invalid value "" for flag -server-name: must not be empty`},
		{[]string{"--config-file", ""}, `invalid value "" for flag -config-file: must not be empty`},
		{[]string{"--config-dir", ""}, `invalid value "" for flag -config-dir: must not be empty`},
	} {
		args := append([]string{"serve", "--paste", paste}, tc.args...)
		code, _, errOut := runCLI(t, args...)
		if code != 2 || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, "Usage: pasteserve [serve]") {
			t.Errorf("%q: exit %d, want 2 with %q and the usage; stderr:\n%s", tc.args, code, tc.want, errOut)
		}
	}
	if code, _, errOut := runCLI(t, "--paste", ""); code != 2 || !strings.Contains(errOut, `invalid value "" for flag -paste: must not be empty`) {
		t.Errorf("--paste \"\": exit %d, stderr:\n%s", code, errOut)
	}
}

// --log-format console colours only a terminal: into a file or a pipe it
// writes no ANSI escapes.
func TestConsoleLogHasNoColourOffATerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var buf bytes.Buffer
	for _, w := range []io.Writer{f, &buf} {
		code := run([]string{"serve", "--paste", filepath.Join(t.TempDir(), "missing.ini"), "--log-format", "console"}, io.Discard, w)
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
	}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string][]byte{"file": b, "buffer": buf.Bytes()} {
		if !bytes.Contains(out, []byte("exiting")) || bytes.IndexByte(out, 0x1b) >= 0 {
			t.Errorf("console log to a %s: want an \"exiting\" line without ESC bytes:\n%q", name, out)
		}
	}
}

// TestCheckBareAppBesideMain: PasteDeploy loads [app:main] from a file that
// also has a bare [app]; so does pasteserve, and check warns at the bare
// section that it is never loaded.
func TestCheckBareAppBesideMain(t *testing.T) {
	path := writeTemp(t, "api.ini", "[app]\nuse = egg:pasteserve#echo\n\n[app:main]\nuse = egg:pasteserve#echo\n")
	code, out, errOut := runCLI(t, "check", "--paste", path)
	if code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, errOut)
	}
	for _, want := range []string{
		path + ":1:1: warning: [app] is never loaded: [app:main] answers to main",
		"    1 | [app]\n      | ^\n",
		path + ":4:1: note: [app:main] is loaded instead",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if !strings.Contains(out, "1 app(s) resolved (main), no errors, 1 warning(s)") {
		t.Errorf("stdout:\n%s", out)
	}
}

// The plugin of docs/plugins.md's own example, and one with a numeric
// option, so that check's build calls a plugin's factory as serve does.
func init() {
	factory.Register(factory.Factory{Name: "cmdtest-stamp", Namespace: "pasteserve", Aliases: []string{"egg:mycompany#stamp"}, Kind: factory.KindFilter,
		Filter: func(cfg *factory.Config) (factory.Middleware, error) {
			header := cfg.String("header", "X-Stamp")
			if cfg.String("value", "") == "" {
				cfg.Errorf("value", "is required: the text to put in the %s header", header)
			}
			if err := cfg.Err(); err != nil {
				return nil, err
			}
			return func(h http.Handler) http.Handler { return h }, nil
		}})
	factory.Register(factory.Factory{Name: "cmdtest-ratelimit", Namespace: "pasteserve", Aliases: []string{"egg:mycompany#ratelimit"}, Kind: factory.KindFilter,
		Filter: func(cfg *factory.Config) (factory.Middleware, error) {
			cfg.Int("rate", 10)
			if err := cfg.Err(); err != nil {
				return nil, err
			}
			return func(h http.Handler) http.Handler { return h }, nil
		}})
}

// TestCheckReportsWhatServeRejects: check reports every problem serve
// would stop at, all at once, sorted, each with its position and source
// line: option errors that only a factory finds (a required value of a
// plugin, cors's max_age, a plugin's rate), bad [server:main] values, a
// typo in pasteserve's own server section (with the option it is a typo
// of), and bad values in a --config-file. serve rejects the same file.
func TestCheckReportsWhatServeRejects(t *testing.T) {
	dir := t.TempDir()
	paste := filepath.Join(dir, "api-paste.ini")
	os.WriteFile(paste, []byte("[composite:main]\nuse = egg:Paste#urlmap\n/ = api\n/v2 = v2\n\n"+
		"[pipeline:api]\npipeline = cors stamp limit echo\n\n"+
		"[filter:cors]\nuse = egg:oslo.middleware#cors\nallowed_origin = https://dash.example.com\nmax_age = soon\n\n"+
		"[filter:stamp]\nuse = egg:mycompany#stamp\nheader = X-Served-By\n\n"+
		"[filter:limit]\nuse = egg:mycompany#ratelimit\nrate = fast\n\n"+
		"[app:echo]\nuse = egg:pasteserve#echo\n\n"+
		"[pipeline:v2]\npipeline = limit echo\n\n"+
		"[server:main]\nuse = egg:pasteserve#http\nbind_host = 127.0.0.1\nbind_port = abc\nmax_header_lin = 100\n"), 0o644)
	conf := filepath.Join(dir, "svc.conf")
	os.WriteFile(conf, []byte("[DEFAULT]\napi_paste_config = api-paste.ini\nwsgi_default_pool_size = none\n"), 0o644)

	code, out, errOut := runCLI(t, "check", "--config-file", conf)
	if code != 1 || out != "" {
		t.Fatalf("exit %d, want 1; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	want := []string{
		paste + `:12:1: [filter:cors] max_age: "soon" is not a whole number`,
		"   12 | max_age = soon\n      | ^\n",
		paste + `:14:1: [filter:stamp] value: is required: the text to put in the X-Served-By header`,
		"   14 | [filter:stamp]\n      | ^\n",
		paste + `:20:1: [filter:limit] rate: "fast" is not a whole number`,
		"   20 | rate = fast\n      | ^\n",
		paste + `:31:1: bind_port: "abc" is not a whole number of at least 0`,
		"   31 | bind_port = abc\n      | ^\n",
		paste + `:32:1: [server:main] max_header_lin is not a pasteserve option (docs/server.md lists them); did you mean max_header_line?`,
		"   32 | max_header_lin = 100\n      | ^\n",
		conf + `:3:1: wsgi_default_pool_size: "none" is not a whole number of at least 1`,
		"    3 | wsgi_default_pool_size = none\n      | ^\n",
		paste + ": 6 error(s), 0 warning(s)",
	}
	last := -1
	for _, w := range want {
		i := strings.Index(errOut, w)
		if i < 0 {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
			continue
		}
		if i < last {
			t.Errorf("%q is out of order:\n%s", w, errOut)
		}
		last = i
	}
	// The limit filter is built once for each pipeline that uses it, and
	// its error is reported once.
	if n := strings.Count(errOut, `rate: "fast"`); n != 1 {
		t.Errorf("the rate error is reported %d times:\n%s", n, errOut)
	}

	// serve stops at the same file (before listening: the server
	// settings are read first).
	code, _, errOut = runCLI(t, "serve", "--config-file", conf, "--log-format", "json")
	if code != 1 || !strings.Contains(errOut, `bind_port: "abc"`) {
		t.Errorf("serve: exit %d\n%s", code, errOut)
	}
}

// TestCheckServerSettingsOnly: a paste file whose pipeline is fine but
// whose [server:main] is not is rejected by check too.
func TestCheckServerSettingsOnly(t *testing.T) {
	path := writeTemp(t, "api.ini", "[app:main]\nuse = egg:pasteserve#echo\n\n[server:main]\nuse = egg:pasteserve#http\nmax_header_lin = 100\n")
	code, _, errOut := runCLI(t, "check", "--paste", path)
	if code != 1 || !strings.Contains(errOut, path+":6:1: [server:main] max_header_lin is not a pasteserve option") ||
		!strings.Contains(errOut, "did you mean max_header_line?") || !strings.Contains(errOut, "1 error(s), 0 warning(s)") {
		t.Errorf("exit %d\n%s", code, errOut)
	}
	// In a Python server's section, the same key is only ignored.
	path = writeTemp(t, "api.ini", "[app:main]\nuse = egg:pasteserve#echo\n\n[server:main]\nuse = egg:Paste#http\nmax_header_lin = 100\n")
	code, out, errOut := runCLI(t, "check", "--paste", path)
	if code != 0 || !strings.Contains(errOut, path+":6:1: warning: [server:main] max_header_lin is not a setting pasteserve uses with egg:Paste#http; ignored") ||
		!strings.Contains(out, "no errors, 1 warning(s)") {
		t.Errorf("egg:Paste#http: exit %d\n%s%s", code, out, errOut)
	}
}

// TestCheckNoApp: serve refuses a file with no app, and so does check,
// with serve's message.
func TestCheckNoApp(t *testing.T) {
	for _, src := range []string{"", "# nothing yet\n", "[filter:f]\nuse = egg:pasteserve#request_id\n"} {
		path := writeTemp(t, "api.ini", src)
		code, out, errOut := runCLI(t, "check", "--paste", path)
		if code != 1 || out != "" || !strings.Contains(errOut, path+`: no app named "main" in api.ini`) || !strings.Contains(errOut, "1 error(s)") {
			t.Errorf("%q: exit %d, stdout %q, stderr:\n%s", src, code, out, errOut)
		}
	}
}

// TestCheckConfigDirAndServerName: check reads --config-dir and the
// [server:NAME] section --server-name picks, as serve does.
func TestCheckConfigDirAndServerName(t *testing.T) {
	dir := t.TempDir()
	paste := filepath.Join(dir, "api.ini")
	os.WriteFile(paste, []byte("[app:main]\nuse = egg:pasteserve#echo\n\n[server:main]\nuse = egg:pasteserve#http\n\n[server:other]\nuse = egg:pasteserve#http\nbind_port = -1\n"), 0o644)
	confd := filepath.Join(dir, "conf.d")
	os.Mkdir(confd, 0o755)
	os.WriteFile(filepath.Join(confd, "10-limits.conf"), []byte("[DEFAULT]\nmax_header_line = tiny\n"), 0o644)

	code, _, errOut := runCLI(t, "check", "--paste", paste, "--config-dir", confd)
	if code != 1 || !strings.Contains(errOut, filepath.Join(confd, "10-limits.conf")+`:2:1: max_header_line: "tiny" is not a whole number of at least 1`) ||
		strings.Contains(errOut, "bind_port") || !strings.Contains(errOut, "1 error(s)") {
		t.Errorf("--config-dir: exit %d\n%s", code, errOut)
	}
	code, _, errOut = runCLI(t, "check", "--paste", paste, "--server-name", "other")
	if code != 1 || !strings.Contains(errOut, paste+`:9:1: bind_port: "-1" is not a whole number of at least 0`) || !strings.Contains(errOut, "1 error(s)") {
		t.Errorf("--server-name other: exit %d\n%s", code, errOut)
	}
	if code, out, errOut := runCLI(t, "check", "--paste", paste); code != 0 || !strings.Contains(out, "no errors, 0 warning(s)") {
		t.Errorf("[server:main]: exit %d\n%s%s", code, out, errOut)
	}
}

// TestCheckRelativePathOutsideWorkingDir: a paste file named by a path
// that climbs out of the working directory is read by the server
// settings under its absolute path and by check under the given one;
// each problem is still reported once, under the given path, with its
// source line.
func TestCheckRelativePathOutsideWorkingDir(t *testing.T) {
	abs := writeTemp(t, "bad.ini", "[app:main]\nuse = egg:pasteserve#echo\nno delimiter here\n")
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, abs)
	if err != nil || !strings.HasPrefix(rel, "..") {
		t.Skipf("no relative path with .. to %s from %s", abs, wd)
	}
	code, _, errOut := runCLI(t, "check", "--paste", rel)
	want := rel + ":3:1: line has no '=' or ':'; write key = value, or start a comment with '#' or ';'\n    3 | no delimiter here\n      | ^\n" +
		rel + ": 1 error(s), 0 warning(s)\n"
	if code != 1 || errOut != want {
		t.Errorf("exit %d, stderr:\n%s\nwant:\n%s", code, errOut, want)
	}
}

// An error in a --config-file that graph and config read (through
// server.LoadSettings, as serve does) is printed with its source excerpt, as
// check and serve print it.
func TestGraphConfigFileErrorHasExcerpt(t *testing.T) {
	dir := t.TempDir()
	paste := filepath.Join(dir, "api.ini")
	conf := filepath.Join(dir, "svc.conf")
	os.WriteFile(paste, []byte("[app:main]\nuse = egg:pasteserve#echo\n"), 0o644)
	os.WriteFile(conf, []byte("[DEFAULT]\nbind_port = abc\n"), 0o644)
	for _, cmd := range []string{"graph", "config"} {
		code, _, errOut := runCLI(t, cmd, "--paste", paste, "--config-file", conf)
		want := conf + ":2:1: bind_port: \"abc\" is not a whole number"
		if code != 1 || !strings.Contains(errOut, want) || !strings.Contains(errOut, "    2 | bind_port = abc\n") {
			t.Errorf("%s: exit %d, want 1 with %q and its excerpt; stderr:\n%s", cmd, code, want, errOut)
		}
	}
}

// cmdTestOptions are the options of a factory registered for
// TestFactoriesOptions.
type cmdTestOptions struct {
	Header  string        `paste:"header,group=cmd_test,doc=the response header to set"`
	Value   string        `paste:"value,required,doc=the text to put in it"`
	Retries int           `paste:"retries,deprecated=tries,min=0,max=9,doc=how often to try"`
	Timeout time.Duration `paste:"timeout,alias=wait,doc=how long to wait"`
	Mode    string        `paste:"mode,enum=fast|safe,doc=how"`
}

func init() {
	factory.Register(factory.FilterOf(factory.Spec{Name: "cmd-test-options", Aliases: []string{"egg:cmdtest#opts"}, Doc: "a filter with options"},
		factory.Defaults(func() cmdTestOptions {
			return cmdTestOptions{Header: "X-Stamp", Timeout: 1500 * time.Millisecond, Mode: "safe"}
		}),
		func(cmdTestOptions) (func(http.Handler) http.Handler, error) { return nil, nil }))
}

// factories --options NAME prints the option table of the factories of
// that name or reference, from their options struct.
func TestFactoriesOptions(t *testing.T) {
	want := `cmd-test-options (filter): a filter with options
    egg:github.com/pasteserve/pasteserve/cmd#cmd-test-options
    egg:cmdtest#opts
OPTION                      TYPE              DEFAULT     GROUP     DOC
header                      string            X-Stamp     cmd_test  the response header to set
value                       string            (required)  -         the text to put in it
retries (deprecated tries)  int 0 to 9        0           -         how often to try
timeout (alias wait)        seconds           1.5         -         how long to wait
mode                        one of fast|safe  safe        -         how
`
	for _, name := range []string{"cmd-test-options", "egg:cmdtest#opts", "--options=egg:github.com/pasteserve/pasteserve/cmd#cmd-test-options"} {
		args := []string{"factories", "--options", name}
		if strings.HasPrefix(name, "--") {
			args = []string{"factories", name}
		}
		code, out, errOut := runCLI(t, args...)
		if code != 0 || out != want {
			t.Errorf("%v: exit %d, stderr %q, stdout:\n%s\nwant:\n%s", args, code, errOut, out, want)
		}
	}
	// A built-in's table, as docs/cli.md shows it.
	code, out, _ := runCLI(t, "factories", "--options", "egg:oslo.middleware#sizelimit")
	for _, want := range []string{
		"sizelimit (filter): answers 413 to request bodies over max_request_body_size (default 114688), chunked ones included\n    egg:pasteserve#sizelimit\n",
		"OPTION                 TYPE  DEFAULT  GROUP            DOC\nmax_request_body_size  int   114688   oslo_middleware  the largest request body, in bytes, a request may carry\n",
	} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("sizelimit: exit %d, output lacks %q:\n%s", code, want, out)
		}
	}
	// Both healthcheck factories, the app and the filter.
	code, out, _ = runCLI(t, "factories", "--options", "healthcheck")
	if code != 0 || !strings.Contains(out, "healthcheck (app): ") || !strings.Contains(out, "healthcheck (filter): ") {
		t.Errorf("healthcheck: exit %d:\n%s", code, out)
	}
	code, _, errOut := runCLI(t, "factories", "--options", "nosuch")
	if code != 1 || !strings.Contains(errOut, `no factory is called "nosuch" or answers to it`) {
		t.Errorf("an unknown name: exit %d, %s", code, errOut)
	}
	code, _, errOut = runCLI(t, "factories", "--help")
	if code != 0 || !strings.Contains(errOut, "--options NAME") {
		t.Errorf("--help: exit %d, %s", code, errOut)
	}
}
