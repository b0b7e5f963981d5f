package server

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/rs/zerolog"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const appOnly = "[app:main]\nuse = egg:X#app\n"

func TestDefaults(t *testing.T) {
	dir := writeFiles(t, map[string]string{"api.ini": appOnly})
	c, err := LoadSettings(Flags{Paste: filepath.Join(dir, "api.ini"), Workers: -1})
	if err != nil {
		t.Fatal(err)
	}
	if c.BindHost != "0.0.0.0" || c.BindPort != 9696 || c.Backlog != 4096 || c.TCPKeepIdle != 600*time.Second ||
		c.MaxHeaderLine != 16384 || c.PoolSize != 100 || !c.KeepAlive || c.ClientSocketTimeout != 900*time.Second ||
		c.GracefulShutdownTimeout != 60*time.Second || c.Workers != 0 || c.Debug || c.TLSMinVersion != "TLSv1_2" {
		t.Errorf("defaults: %+v", c.Options)
	}
	// read_body_timeout and idle_timeout follow client_socket_timeout.
	if c.ReadBodyTimeout != 900*time.Second || c.IdleTimeout != 900*time.Second {
		t.Errorf("derived timeouts: %v %v", c.ReadBodyTimeout, c.IdleTimeout)
	}
	if c.Source("DEFAULT", "bind_port") != "default" || c.Global != nil {
		t.Errorf("source %q, global %v", c.Source("DEFAULT", "bind_port"), c.Global)
	}
}

func TestPrecedence(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"api.ini":       appOnly + "[server:main]\nuse = egg:Paste#http\nhost = 10.0.0.1\nport = 1111\nthreadpool_workers = 7\n",
		"a.conf":        "[DEFAULT]\nbind_port = 2222\nclient_socket_timeout = 30\nauth_strategy = noauth\nunrelated_neutron_option = x\n[ssl]\nversion = TLSv1_3\n",
		"b.conf":        "[DEFAULT]\nbind_port = 3333\n",
		"conf.d/1.conf": "[DEFAULT]\nwsgi_keep_alive = false\n",
		"conf.d/2.conf": "[DEFAULT]\nwsgi_keep_alive = true\napi_workers = 3\n",
	})
	c, err := LoadSettings(Flags{Paste: filepath.Join(dir, "api.ini"), ConfigFiles: []string{filepath.Join(dir, "a.conf"), filepath.Join(dir, "b.conf")},
		ConfigDir: filepath.Join(dir, "conf.d"), Bind: "127.0.0.1:4444", Workers: -1})
	if err != nil {
		t.Fatal(err)
	}
	if c.BindHost != "127.0.0.1" || c.BindPort != 4444 || c.Source("DEFAULT", "bind_port") != "flag --bind" {
		t.Errorf("flags win: %s:%d from %s", c.BindHost, c.BindPort, c.Source("DEFAULT", "bind_port"))
	}
	if c.PoolSize != 7 || !strings.HasSuffix(c.Source("DEFAULT", "wsgi_default_pool_size"), "api.ini:7:1") {
		t.Errorf("paste [server:main]: pool %d from %s", c.PoolSize, c.Source("DEFAULT", "wsgi_default_pool_size"))
	}
	if c.ClientSocketTimeout != 30*time.Second || c.IdleTimeout != 30*time.Second || c.TLSMinVersion != "TLSv1_3" {
		t.Errorf("config file: timeout %v idle %v tls %s", c.ClientSocketTimeout, c.IdleTimeout, c.TLSMinVersion)
	}
	if !c.KeepAlive || c.Workers != 3 {
		t.Errorf("--config-dir files, sorted, later wins: keepalive %v workers %d", c.KeepAlive, c.Workers)
	}
	if c.Global["auth_strategy"] != "noauth" {
		t.Errorf("auth_strategy reaches the paste global conf: %v", c.Global)
	}
	c, err = LoadSettings(Flags{Paste: filepath.Join(dir, "api.ini"), ConfigFiles: []string{filepath.Join(dir, "b.conf"), filepath.Join(dir, "a.conf")}, Workers: 5})
	if err != nil {
		t.Fatal(err)
	}
	if c.BindPort != 2222 || c.Workers != 5 || c.Source("DEFAULT", "api_workers") != "flag --workers" {
		t.Errorf("later --config-file wins: port %d, workers %d", c.BindPort, c.Workers)
	}
}

func TestPasteServerTranslations(t *testing.T) {
	for _, tc := range []struct {
		server        string
		host          string
		port, workers int
		warnings      []string
	}{
		{"use = egg:waitress#main\nlisten = *:6543\nthreads = 8\n", "0.0.0.0", 6543, 0, nil},
		{"use = egg:waitress#main\nhost = 127.0.0.2\nport = 5000\nurl_scheme = https\n", "127.0.0.2", 5000, 0, []string{"api.ini:7:1: warning: [server:main] url_scheme is not a setting pasteserve uses with egg:waitress#main; ignored"}},
		{"use = egg:gunicorn#main\nbind = 127.0.0.3:7000\nworkers = 4\n", "127.0.0.3", 7000, 4, nil},
		// The module forms of the same servers (paste.server_runner =).
		{"paste.server_runner = paste.httpserver:server_runner\nhost = 127.0.0.4\nport = 7001\nthreadpool_workers = 3\n", "127.0.0.4", 7001, 0, nil},
		{"paste.server_runner = waitress:serve_paste\nlisten = 127.0.0.5:7002\n", "127.0.0.5", 7002, 0, nil},
		{"paste.server_runner = gunicorn.app.pasterapp:serve\nbind = 127.0.0.6:7003\nworkers = 2\n", "127.0.0.6", 7003, 2, nil},
		{"use = egg:pasteserve#http\nbind_host = ::1\nbind_port = 8000\napi_workers = 2\n", "::1", 8000, 2, nil},
		{"use = egg:swift#proxy_server\nport = 8080\n", "0.0.0.0", 8080, 0, []string{"api.ini:4:7: warning: [server:main] uses egg:swift#proxy_server, which pasteserve does not know"}},
	} {
		dir := writeFiles(t, map[string]string{"api.ini": appOnly + "[server:main]\n" + tc.server})
		wd, _ := os.Getwd()
		os.Chdir(dir)
		c, err := LoadSettings(Flags{Paste: "api.ini", Workers: -1})
		os.Chdir(wd)
		if err != nil {
			t.Fatalf("%s: %v", tc.server, err)
		}
		if c.BindHost != tc.host || int(c.BindPort) != tc.port || c.Workers != tc.workers {
			t.Errorf("%s: %s:%d workers %d", tc.server, c.BindHost, c.BindPort, c.Workers)
		}
		var got []string
		for _, w := range c.Warnings {
			got = append(got, w.Error())
		}
		for i, w := range tc.warnings {
			if i >= len(got) || !strings.HasPrefix(got[i], w) {
				t.Errorf("%s: warnings %q, want %q", tc.server, got, tc.warnings)
			}
		}
		if len(tc.warnings) == 0 && len(got) > 0 {
			t.Errorf("%s: unexpected warnings %q", tc.server, got)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"api.ini":  appOnly,
		"bad.conf": "[DEFAULT]\nbind_port = many\n",
		"tls.conf": "[DEFAULT]\nuse_ssl = true\n[ssl]\ncert_file = /nonexistent.pem\n",
		"key.conf": "[DEFAULT]\nuse_ssl = true\n[ssl]\ncert_file = a\nkey_file = /nonexistent.key\n",
	})
	paste := filepath.Join(dir, "api.ini")
	for _, tc := range []struct {
		flags Flags
		want  string
	}{
		{Flags{Paste: paste, ConfigFiles: []string{filepath.Join(dir, "bad.conf")}, Workers: -1}, "bad.conf:2:1: bind_port: \"many\" is not a whole number"},
		{Flags{Paste: paste, ConfigFiles: []string{filepath.Join(dir, "missing.conf")}, Workers: -1}, "missing.conf: no such file"},
		{Flags{Paste: paste, ConfigDir: filepath.Join(dir, "nodir"), Workers: -1}, "not a directory"},
		{Flags{Paste: paste, ConfigFiles: []string{filepath.Join(dir, "tls.conf")}, Workers: -1}, "TLS needs both [ssl] cert_file and key_file"},
		{Flags{Paste: paste, ConfigFiles: []string{filepath.Join(dir, "key.conf")}, Workers: -1}, "[ssl] cert_file: open a: no such file"},
		{Flags{Paste: paste, Bind: "9696", Workers: -1}, "--bind 9696: want HOST:PORT"},
	} {
		_, err := LoadSettings(tc.flags)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.flags, err, tc.want)
		}
	}
}

func TestFindPaste(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"etc/neutron.conf":      "[DEFAULT]\napi_paste_config = neutron-paste.ini\n",
		"etc/neutron-paste.ini": appOnly,
		"etc/other.conf":        "[DEFAULT]\napi_paste_config = nowhere.ini\n",
	})
	c, err := LoadSettings(Flags{ConfigFiles: []string{filepath.Join(dir, "etc/neutron.conf")}, Workers: -1})
	if err != nil {
		t.Fatal(err)
	}
	if c.Paste != filepath.Join(dir, "etc/neutron-paste.ini") {
		t.Errorf("api_paste_config found at %s", c.Paste)
	}
	_, err = LoadSettings(Flags{ConfigFiles: []string{filepath.Join(dir, "etc/other.conf")}, Workers: -1})
	if err == nil || !strings.Contains(err.Error(), `cannot find the paste file "nowhere.ini"`) ||
		!strings.Contains(err.Error(), filepath.Join(dir, "etc/nowhere.ini")) || !strings.Contains(err.Error(), "/etc/pasteserve/nowhere.ini") {
		t.Errorf("error does not list the places tried: %v", err)
	}
}

// The option groups oslo's middleware reads reach the paste file's
// global_conf as "group.option"; other groups do not.
func TestOptionGroupsReachGlobalConf(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"api.ini": appOnly,
		"a.conf": "[keystone_authtoken]\nauth_url = http://a/v3\npassword = one\n[cors]\nallowed_origin = https://a.example.com\n" +
			"[database]\nconnection = mysql://u:p@db/neutron\n",
		"b.conf": "[keystone_authtoken]\npassword = two\n[oslo_middleware]\nenable_proxy_headers_parsing = true\n[healthcheck]\ndetailed = true\n",
	})
	c, err := LoadSettings(Flags{Paste: filepath.Join(dir, "api.ini"), ConfigFiles: []string{filepath.Join(dir, "a.conf"), filepath.Join(dir, "b.conf")}, Workers: -1})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"keystone_authtoken.auth_url":                  "http://a/v3",
		"keystone_authtoken.password":                  "two",
		"cors.allowed_origin":                          "https://a.example.com",
		"oslo_middleware.enable_proxy_headers_parsing": "true",
		"healthcheck.detailed":                         "true",
	}
	if !maps.Equal(c.Global, want) {
		t.Errorf("global conf\n got %v\nwant %v", c.Global, want)
	}
}

// A plugin's own option group reaches global_conf once a registered
// factory reads it, as oslo's groups do; a group no factory reads stays
// out.
func TestPluginGroupReachesGlobalConf(t *testing.T) {
	factory.Register(factory.Factory{Name: "server-test-grouped", Kind: factory.KindFilter, Groups: []string{"server_test_stamp"},
		Filter: func(*factory.Config) (factory.Middleware, error) {
			return func(h http.Handler) http.Handler { return h }, nil
		}})
	dir := writeFiles(t, map[string]string{
		"api.ini": appOnly,
		"a.conf":  "[server_test_stamp]\nvalue = api-1\n[server_test_other]\nvalue = no\n",
	})
	c, err := LoadSettings(Flags{Paste: filepath.Join(dir, "api.ini"), ConfigFiles: []string{filepath.Join(dir, "a.conf")}, Workers: -1})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"server_test_stamp.value": "api-1"}; !maps.Equal(c.Global, want) {
		t.Errorf("global conf\n got %v\nwant %v", c.Global, want)
	}
}

// A value out of its option's range is an error from every layer, as
// api_workers = -3 in a file always was: --workers -5 from a caller of
// LoadSettings used to be taken for "not given", and a port above 65535 reached
// bind(2).
func TestValuesOutOfRange(t *testing.T) {
	dir := writeFiles(t, map[string]string{"api.ini": appOnly, "port.conf": "[DEFAULT]\nbind_port = 70000\n"})
	paste := filepath.Join(dir, "api.ini")
	for _, tc := range []struct {
		flags Flags
		want  string
	}{
		{Flags{Paste: paste, Workers: -5}, `flag --workers: api_workers: "-5" is not a whole number of at least 0`},
		{Flags{Paste: paste, ConfigFiles: []string{filepath.Join(dir, "port.conf")}, Workers: -1}, `port.conf:2:1: bind_port: "70000" is not a port number: 0 (any free port) to 65535`},
		{Flags{Paste: paste, Bind: "127.0.0.1:65536", Workers: -1}, `flag --bind: bind_port: "65536" is not a port number`},
	} {
		_, err := LoadSettings(tc.flags)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.flags, err, tc.want)
		}
	}
	if c, err := LoadSettings(Flags{Paste: paste, Bind: "127.0.0.1:65535", Workers: 0}); err != nil || c.BindPort != 65535 || c.Workers != 0 {
		t.Errorf("the largest port and 0 workers: %v", err)
	}
}

// TestLoadReportsEveryError: LoadSettings reads every layer to the end and
// reports every problem at once, sorted, each at its key: values that do
// not fit their option in the paste file's [server:main] and in the
// config files, a key of egg:pasteserve#http that is no option (an
// error, with the option it is probably a typo of), a syntax error in a
// config file, and a TLS file that cannot be read. It still returns the
// configuration it read, for pasteserve check to go on with.
func TestLoadReportsEveryError(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"api.ini": appOnly + "[server:main]\nuse = egg:pasteserve#http\nbind_port = abc\nmax_header_lin = 100\nbackloggg = 5\n",
		"a.conf":  "[DEFAULT]\nclient_socket_timeout = soon\nauth_strategy = noauth\nno delimiter\n",
		"b.conf":  "[DEFAULT]\nuse_ssl = true\n[ssl]\ncert_file = missing.pem\nkey_file = missing.key\n",
	})
	wd, _ := os.Getwd()
	os.Chdir(dir)
	defer os.Chdir(wd)
	c, err := LoadSettings(Flags{Paste: "api.ini", ConfigFiles: []string{"a.conf", "b.conf"}, Workers: -1})
	if err == nil {
		t.Fatal("LoadSettings accepted the files")
	}
	want := strings.Join([]string{
		`a.conf:2:1: client_socket_timeout: "soon" is not a duration (write seconds, like 30, or a Go duration, like 1m30s)`,
		`a.conf:4:1: line has no '=' or ':'; write key = value, or start a comment with '#' or ';'`,
		`api.ini:5:1: bind_port: "abc" is not a whole number of at least 0`,
		`api.ini:6:1: [server:main] max_header_lin is not a pasteserve option (docs/server.md lists them); did you mean max_header_line?`,
		`api.ini:7:1: [server:main] backloggg is not a pasteserve option (docs/server.md lists them); did you mean backlog?`,
		`b.conf:4:1: [ssl] cert_file: open missing.pem: no such file or directory`,
		`b.conf:5:1: [ssl] key_file: open missing.key: no such file or directory`,
	}, "\n")
	if err.Error() != want {
		t.Errorf("errors:\n%s\nwant:\n%s", err, want)
	}
	var se *SourceError
	if !errors.As(err, &se) || len(se.Files) != 3 {
		t.Errorf("want the three files for excerpts, got %#v", se)
	}
	if c == nil || c.Paste != "api.ini" || c.Global["auth_strategy"] != "noauth" {
		t.Errorf("LoadSettings returned %+v with its errors, want the paste file and globals", c)
	}
}

// TestPasteServerTypoOnlyForOwnSection: an unknown key stays a warning in
// the Python servers' sections, which have many options pasteserve does
// not use; only pasteserve's own section makes it an error.
func TestPasteServerTypoOnlyForOwnSection(t *testing.T) {
	for _, use := range []string{"egg:Paste#http", "egg:waitress#main", "egg:gunicorn#main"} {
		dir := writeFiles(t, map[string]string{"api.ini": appOnly + "[server:main]\nuse = " + use + "\nmax_header_lin = 100\n"})
		c, err := LoadSettings(Flags{Paste: filepath.Join(dir, "api.ini"), Workers: -1})
		if err != nil {
			t.Fatalf("%s: %v", use, err)
		}
		if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Msg, "max_header_lin is not a setting pasteserve uses with "+use+"; ignored") {
			t.Errorf("%s: warnings %v", use, c.Warnings)
		}
	}
}

// TestLoadPasteNotFoundWithOtherErrors: a paste file that cannot be found
// does not hide the config files' own errors, and is placed at the
// api_paste_config that named it.
func TestLoadPasteNotFoundWithOtherErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{"svc.conf": "[DEFAULT]\napi_paste_config = nowhere.ini\nbind_port = x\n"})
	conf := filepath.Join(dir, "svc.conf")
	c, err := LoadSettings(Flags{ConfigFiles: []string{conf}, Workers: -1})
	if c != nil || err == nil {
		t.Fatalf("LoadSettings = %v, %v", c, err)
	}
	lines := strings.Split(err.Error(), "\n")
	if !strings.HasPrefix(lines[0], conf+`:2:1: cannot find the paste file "nowhere.ini"`) || !strings.Contains(err.Error(), "\n"+conf+`:3:1: bind_port: "x" is not a whole number`) {
		t.Errorf("errors:\n%s", err)
	}
}

// A bind_host that does not resolve stops serve when it binds, at the
// key that set it (a [server:main] host, a config file's bind_host, the
// --bind flag), with the files for the excerpt; it used to say "bind_host
// ...: cannot resolve" with no position. An address is not looked up.
// .invalid never resolves (RFC 6761).
func TestBindHostErrorIsPositioned(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"api.ini": appOnly + "[server:main]\nuse = egg:Paste#http\nhost = no.such.host.invalid\n",
		"a.conf":  "[DEFAULT]\n\nbind_host = other.host.invalid\n",
		"b.conf":  "[DEFAULT]\nbind_host = 127.0.0.1\n",
	})
	wd, _ := os.Getwd()
	os.Chdir(dir)
	defer os.Chdir(wd)
	for _, tc := range []struct {
		flags Flags
		want  string
	}{
		{Flags{Paste: "api.ini"}, `api.ini:5:1: bind_host "no.such.host.invalid": cannot resolve: `},
		{Flags{Paste: "api.ini", ConfigFiles: []string{"a.conf"}}, `a.conf:3:1: bind_host "other.host.invalid": cannot resolve: `},
		{Flags{Paste: "api.ini", Bind: "flag.host.invalid:0"}, `flag --bind: bind_host "flag.host.invalid": cannot resolve: `},
		{Flags{Paste: "api.ini", ConfigFiles: []string{"b.conf"}}, ""},
	} {
		tc.flags.Workers = -1
		c, err := LoadSettings(tc.flags)
		if err != nil {
			t.Fatalf("%+v: %v", tc.flags, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = c.LookupBindHost(ctx)
		cancel()
		var se *SourceError
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.flags, err)
		case tc.want == "":
		case err == nil || !strings.HasPrefix(err.Error(), tc.want) || !errors.As(err, &se) || len(se.Files) == 0:
			t.Errorf("%+v: got %v (%#v), want %q with the files read", tc.flags, err, se, tc.want)
		}
		// serve's own path: what listen returns, positioned (only
		// where it cannot bind: the others would listen on 9696).
		if tc.want != "" {
			ln, lerr := listen(context.Background(), c.Options, zerolog.Nop())
			if ln != nil {
				ln.Close()
			}
			if got := fmt.Sprint(c.positioned(lerr)); !strings.HasPrefix(got, tc.want) {
				t.Errorf("%+v: listen: %s, want %q", tc.flags, got, tc.want)
			}
		}
	}
}
