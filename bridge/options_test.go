package bridge

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pasteserve/pasteserve/options"
)

// The [python] options reach the Python workers: init as a callable
// (with the config arguments) and as a module, env, path after
// PYTHONPATH (and not the host's own directory), and nothing of
// pasteserve's own environment that would mislead gunicorn or leak the
// key.
func TestOptionsReachPython(t *testing.T) {
	extra := t.TempDir()
	t.Setenv("PYTHONPATH", extra)
	t.Setenv("NOTIFY_SOCKET", "/nonexistent/notify")
	t.Setenv("LISTEN_FDS", "1")
	// A Go worker of pasteserve's has the pool in its environment; the
	// Python processes must not see the key.
	t.Setenv(EnvKey, "leak")
	t.Setenv(EnvSocket, "/leak")
	tl := tail(t, "main")
	spec := testSpec(t, tl)
	spec.Init = "pstest_init:setup"
	spec.ConfigArgs = []string{"--config-file", "/etc/x/x.conf", "--config-dir", "/etc/x/x.conf.d"}
	spec.Env = []string{"PSTEST_ENV=hello", "PSTEST_OTHER=a=b"}
	_, c, _ := startPool(t, spec)
	srv := httptest.NewServer(c.Handler(tl))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	r := getReport(t, nil, req)
	if !slices.Equal(r.InitArgs, spec.ConfigArgs) {
		t.Errorf("init got %q, want %q", r.InitArgs, spec.ConfigArgs)
	}
	if want := map[string]string{"PSTEST_ENV": "hello", "PSTEST_OTHER": "a=b"}; !mapsEqual(r.Env, want) {
		t.Errorf("the Python environment has %v, want exactly %v", r.Env, want)
	}
	if want := []string{extra, spec.Path[0]}; len(r.SysPath) < 2 || !slices.Equal(r.SysPath[:2], want) {
		t.Errorf("sys.path starts %q, want %q", r.SysPath, want)
	}
	for _, p := range r.SysPath {
		if filepath.Dir(p) == os.TempDir() && filepath.Base(p) != filepath.Base(extra) {
			t.Errorf("the host's directory %s is on sys.path", p)
		}
	}

	t.Run("module", func(t *testing.T) {
		spec := testSpec(t, tl)
		spec.Init = "pstest_init"
		_, c, _ := startPool(t, spec)
		srv := httptest.NewServer(c.Handler(tl))
		defer srv.Close()
		req, _ := http.NewRequest("GET", srv.URL+"/", nil)
		if r := getReport(t, nil, req); !r.InitImported || r.InitArgs != nil {
			t.Errorf("init module: imported %v, args %q", r.InitImported, r.InitArgs)
		}
	})
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// With logging on, the workers apply the paste file's [loggers] as
// pserve does: the app's INFO line comes out in the file's format, in
// pasteserve's log. With it off, Python's default (WARNING) drops it.
func TestLoggingAppliesThePasteFile(t *testing.T) {
	tl := tail(t, "main")
	for _, on := range []bool{true, false} {
		spec := testSpec(t, tl)
		spec.Logging = on
		_, c, logs := startPool(t, spec)
		srv := httptest.NewServer(c.Handler(tl))
		req, _ := http.NewRequest("GET", srv.URL+"/log?tag=xyzzy", nil)
		getReport(t, nil, req)
		srv.Close()
		got := logs.waitLog(2*time.Second, "PSTESTLOG pstest pstest log line xyzzy")
		if got != on {
			t.Errorf("logging %v: the app's log line logged: %v\n%s", on, got, logs)
		}
	}
}

// The options decode from a config file's [python] group, as package
// options reads every group, and DefaultOptions are what Describe
// prints.
func TestOptionsDecode(t *testing.T) {
	sec := options.Section{Name: "python", Global: map[string]string{
		"python.executable": "/usr/bin/python3", "python.workers": "3", "python.threads": "1",
		"python.path": "/srv/a /srv/b", "python.env": "HOME=/var/lib/barbican, OS_X__Y=1",
		"python.init": "barbican.common.config", "python.logging": "false", "python.start_timeout": "90", "python.timeout": "2m",
	}}
	o := DefaultOptions()
	if ds := options.Decode(&sec, &o); ds.Err() != nil {
		t.Fatal(ds)
	}
	want := Options{Executable: "/usr/bin/python3", Engine: "gunicorn", Workers: 3, Threads: 1, Path: []string{"/srv/a", "/srv/b"},
		Env: []string{"HOME=/var/lib/barbican", "OS_X__Y=1"}, Init: "barbican.common.config", Logging: false,
		StartTimeout: 90 * time.Second, Timeout: 2 * time.Minute}
	if !optionsEqual(o, want) {
		t.Errorf("decoded %+v\nwant    %+v", o, want)
	}
	o = DefaultOptions()
	if ds := options.Decode(&options.Section{Name: "python", Global: map[string]string{"python.engine": "uwsgi"}}, &o); ds.Err() == nil {
		t.Error("engine uwsgi decoded")
	}
	if _, err := options.Describe(DefaultOptions()); err != nil {
		t.Error(err)
	}
}

func optionsEqual(a, b Options) bool {
	return a.Executable == b.Executable && a.Engine == b.Engine && a.Workers == b.Workers && a.Threads == b.Threads &&
		slices.Equal(a.Path, b.Path) && slices.Equal(a.Env, b.Env) && a.Init == b.Init && a.Logging == b.Logging &&
		a.StartTimeout == b.StartTimeout && a.Timeout == b.Timeout
}
