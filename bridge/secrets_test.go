package bridge

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/redact"
)

// An app that quotes its configuration when it fails to load, as
// database drivers and oslo.config do ("cannot connect to
// mysql://nova:pw@db"), and prints it: neither the load error Start
// returns (which pasteserve prints and logs), nor its traceback, nor
// the pool's log has the secret values of Spec.Secrets or a URL's
// password.
func TestPythonOutputIsMasked(t *testing.T) {
	needPython(t)
	dir := t.TempDir()
	py := filepath.Join(dir, "py")
	if err := os.MkdirAll(filepath.Join(py, "pssecret"), 0o755); err != nil {
		t.Fatal(err)
	}
	const module = `
def app_factory(global_conf, **local):
    print("connecting to", local["connection"], "as", local["admin_password"], flush=True)
    raise ValueError("cannot connect to " + local["connection"] + " with " + local["admin_password"])
`
	const paste = `[app:main]
paste.app_factory = pssecret:app_factory
connection = mysql+pymysql://barbican:UrlPassw0rd@db/barbican
admin_password = Hunter2Hunter2
`
	file := filepath.Join(dir, "secret.ini")
	for path, text := range map[string]string{filepath.Join(py, "pssecret", "__init__.py"): module, file: paste} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o := DefaultOptions()
	o.Executable, o.Workers, o.Threads, o.Path = python(), 1, 1, []string{py}
	o.StartTimeout = 30 * time.Second
	spec := Spec{Options: o, PasteFile: file,
		Tails:   []Tail{whole(file, "main", "app:main")},
		Secrets: redact.Collect(map[string]string{"admin_password": "Hunter2Hunter2"}),
	}
	c, err := NewClient("")
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuf{}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, err := Start(ctx, c, spec, zerolog.New(logs))
	if err == nil {
		p.Stop(5 * time.Second)
		t.Fatal("Start: no error, want the app's load error")
	}
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("Start: %v, want a *LoadError", err)
	}
	if !strings.Contains(le.Error(), "ValueError: cannot connect to mysql+pymysql://barbican:****@db/barbican with ****") {
		t.Errorf("load error %q: want the message with both secrets masked", le.Error())
	}
	// The printed line reaches the log before the load error does.
	if !logs.waitLog(5*time.Second, "connecting to") {
		t.Errorf("no log line of the app's output:\n%s", logs)
	}
	for _, secret := range []string{"UrlPassw0rd", "Hunter2Hunter2"} {
		for what, text := range map[string]string{"error": le.Error(), "traceback": le.Traceback, "message": le.Message, "log": logs.String()} {
			if strings.Contains(text, secret) {
				t.Errorf("the %s has the secret %q:\n%s", what, secret, text)
			}
		}
	}
}

// whole is Whole(file, name, nil) starting at section, for errors.
func whole(file, name, section string) Tail {
	t := Whole(file, name, nil)
	t.Section = section
	return t
}
