package server

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/bridge"
	"github.com/pasteserve/pasteserve/factory"

	_ "github.com/pasteserve/pasteserve/builtin"
)

// The [python] options are read from the config files like the other
// groups, --python overrides executable, and Settings carries them with
// their sources; the init gets the --config-file and --config-dir
// arguments.
func TestPythonSettings(t *testing.T) {
	dir := writeFiles(t, map[string]string{"api.ini": appOnly,
		"a.conf":        "[python]\nexecutable = /nonexistent/python3\nworkers = 3\nthreads = 1\npath = lib, src\nenv = HOME=/srv/x OS_DEFAULT__DEBUG=true\ninit = myinit:setup\nlogging = false\nstart_timeout = 90\n",
		"conf.d/b.conf": "[python]\ntimeout = 5\n"})
	c, err := LoadSettings(Flags{Paste: filepath.Join(dir, "api.ini"), ConfigFiles: []string{filepath.Join(dir, "a.conf")},
		ConfigDir: filepath.Join(dir, "conf.d"), Python: "/usr/bin/python3", Workers: -1})
	if err != nil {
		t.Fatal(err)
	}
	p := c.Python
	if p.Executable != "/usr/bin/python3" || p.Workers != 3 || p.Threads != 1 || fmt.Sprint(p.Path) != "[lib src]" ||
		fmt.Sprint(p.Env) != "[HOME=/srv/x OS_DEFAULT__DEBUG=true]" || p.Init != "myinit:setup" || p.Logging ||
		p.StartTimeout != 90*time.Second || p.Timeout != 5*time.Second || p.Engine != "gunicorn" {
		t.Errorf("python options %+v", p)
	}
	if s := c.Source("python", "executable"); s != "flag --python" {
		t.Errorf("executable from %s", s)
	}
	if s := c.Source("python", "workers"); !strings.HasSuffix(s, "a.conf:3:1") {
		t.Errorf("workers from %s", s)
	}
	want := fmt.Sprint([]string{"--config-file", filepath.Join(dir, "a.conf"), "--config-dir", filepath.Join(dir, "conf.d")})
	if got := fmt.Sprint(c.configArgs()); got != want {
		t.Errorf("init arguments %s, want %s", got, want)
	}
}

// A [python] value that cannot work is an error at the key (or flag)
// that set it.
func TestPythonSettingErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{"api.ini": appOnly, "a.conf": "[python]\nworkers = 0\nenv = HOME\nengine = uwsgi\n"})
	_, err := LoadSettings(Flags{Paste: filepath.Join(dir, "api.ini"), ConfigFiles: []string{filepath.Join(dir, "a.conf")}, Python: "/nonexistent/python3", Workers: -1})
	got := fmt.Sprint(err)
	for _, want := range []string{
		`a.conf:2:1: workers: "0" is not a whole number from 1 to 256`,
		`a.conf:3:1: [python] env: "HOME" is not NAME=VALUE`,
		`a.conf:4:1: engine: "uwsgi" is not one of gunicorn`,
		"flag --python: [python] executable: stat /nonexistent/python3: no such file or directory",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q:\n%s", want, got)
		}
	}
}

// --reload's watcher makes one batch of a burst of changes (an editor's
// save, a checkout), sees the paste file replaced by a rename, and the
// *.py files of a directory created under [python] path afterwards;
// other files there are not its business.
func TestWatcherBatches(t *testing.T) {
	dir := writeFiles(t, map[string]string{"api.ini": appOnly, "a.conf": "[python]\npath = " + "lib" + "\n", "lib/pkg/__init__.py": ""})
	c, err := LoadSettings(Flags{Paste: filepath.Join(dir, "api.ini"), ConfigFiles: []string{filepath.Join(dir, "a.conf")}, Reload: true, Workers: -1})
	if err != nil {
		t.Fatal(err)
	}
	// [python] path is relative to the working directory, as for Python.
	c.Python.Path = []string{filepath.Join(dir, "lib")}
	w := newWatcher(c, nil, zerolog.Nop())
	if w == nil {
		t.Fatal("no watcher")
	}
	defer w.close()
	next := func(what string) []string {
		t.Helper()
		select {
		case b := <-w.changes():
			return b
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no batch within 5 s", what)
			return nil
		}
	}
	none := func(what string) {
		t.Helper()
		select {
		case b := <-w.changes():
			t.Errorf("%s: a batch %v", what, b)
		case <-time.After(2 * reloadQuiet):
		}
	}

	for i := 0; i < 5; i++ {
		writeFile(t, filepath.Join(dir, "lib/pkg/__init__.py"), fmt.Sprintf("X = %d\n", i))
		time.Sleep(20 * time.Millisecond)
	}
	if b := next("a burst"); len(b) != 1 || b[0] != filepath.Join(dir, "lib/pkg/__init__.py") {
		t.Errorf("a burst of writes: %v", b)
	}
	none("after the burst")

	writeFile(t, filepath.Join(dir, "api.ini.new"), appOnly+"# edited\n")
	if err := os.Rename(filepath.Join(dir, "api.ini.new"), filepath.Join(dir, "api.ini")); err != nil {
		t.Fatal(err)
	}
	if b := next("the paste file renamed over"); fmt.Sprint(b) != fmt.Sprint([]string{filepath.Join(dir, "api.ini")}) {
		t.Errorf("the paste file renamed over: %v", b)
	}

	writeFile(t, filepath.Join(dir, "lib/notes.txt"), "not a source\n")
	none("a file that is no source")

	os.MkdirAll(filepath.Join(dir, "lib/newpkg"), 0o755)
	next("a new directory") // it may hold sources already
	writeFile(t, filepath.Join(dir, "lib/newpkg/mod.py"), "Y = 1\n")
	if b := next("a source in a new directory"); len(b) != 1 || b[0] != filepath.Join(dir, "lib/newpkg/mod.py") {
		t.Errorf("a source in a new directory: %v", b)
	}
}

func writeFile(t *testing.T, path, src string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The secrets the pool masks in Python's output and load errors are
// those of every node of the tails (the Go filter in front included,
// which PasteDeploy resolves too), of the config files' options, and of
// [python] env.
func TestPythonSecrets(t *testing.T) {
	reg := &factory.Registry{}
	reg.Register(factory.Factory{Name: "gofilter", Namespace: "pasteserve", Aliases: []string{"gof:f"}, Kind: factory.KindFilter,
		Filter: func(cfg *factory.Config) (func(http.Handler) http.Handler, error) {
			return func(h http.Handler) http.Handler { return h }, nil
		}})
	paste := "[pipeline:main]\npipeline = gof pyapp\n[filter:gof]\npaste.filter_factory = gof:f\nauth_password = FilterSecret1\n" +
		"[app:pyapp]\npaste.app_factory = pyapp:make\nadmin_password = AppSecret123\nconnection = mysql://u:UrlSecret9@db/x\n"
	dir := writeFiles(t, map[string]string{"api.ini": paste,
		"a.conf": "[python]\nenv = OS_DATABASE__PASSWORD=EnvSecret77\n[keystone_authtoken]\npassword = OptSecret555\n"})
	cfg, err := LoadSettings(Flags{Paste: filepath.Join(dir, "api.ini"), ConfigFiles: []string{filepath.Join(dir, "a.conf")},
		Python: "/bin/sh", Workers: -1})
	if err != nil {
		t.Fatal(err)
	}
	n, err := resolveApp(cfg, reg)
	if err != nil {
		t.Fatal(err)
	}
	tails, err := cfg.buildOptions().Tails(n, reg)
	if err != nil || len(tails) != 1 {
		t.Fatalf("tails %v, %v: want one", tails, err)
	}
	s := pythonSecrets(cfg, tails)
	for _, secret := range []string{"FilterSecret1", "AppSecret123", "EnvSecret77", "OptSecret555", "mysql://u:UrlSecret9@db/x"} {
		if got := s.Text("Traceback ...\nValueError: " + secret + " was refused"); strings.Contains(got, "Secret") {
			t.Errorf("%s is not masked: %q", secret, got)
		}
	}
}

// The tails' keys, by which the Go handlers name what the pool loaded,
// do not depend on the working directory: a master and a worker that
// were given the paste file by different relative paths agree, and the
// file Python loads is absolute.
func TestTailKeysAreAbsolute(t *testing.T) {
	dir := writeFiles(t, map[string]string{"api.ini": "[pipeline:main]\npipeline = request_id ctx api\n" +
		"[filter:request_id]\npaste.filter_factory = oslo_middleware:RequestId.factory\n" +
		"[filter:ctx]\npaste.filter_factory = myproj.context:Context.factory\n[app:api]\npaste.app_factory = myproj.api:app_factory\n"})
	keys := func(wd, paste string) []bridge.Tail {
		t.Helper()
		t.Chdir(wd)
		cfg, err := LoadSettings(Flags{Paste: paste, Python: "/usr/bin/python3", Workers: -1})
		if err != nil {
			t.Fatal(err)
		}
		n, err := resolveApp(cfg, factory.Default)
		if err != nil {
			t.Fatal(err)
		}
		tails, err := cfg.buildOptions().Tails(n, factory.Default)
		if err != nil || len(tails) != 1 {
			t.Fatalf("tails %v, %v", tails, err)
		}
		return []bridge.Tail{bridgeTail(tails[0])}
	}
	a := keys(dir, "api.ini")
	b := keys(filepath.Dir(dir), filepath.Join(filepath.Base(dir), "api.ini"))
	if a[0].Key != b[0].Key || a[0].File != filepath.Join(dir, "api.ini") || b[0].File != a[0].File {
		t.Errorf("from %s: %s %s; from its parent: %s %s", dir, a[0].Key, a[0].File, b[0].Key, b[0].File)
	}
}
