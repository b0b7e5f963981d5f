// Package pastetest lets teams keep golden files of how their paste files
// resolve, the way pasteserve tests its own corpus:
//
//	func TestPipelines(t *testing.T) {
//		pastetest.Golden(t, "etc/api-paste.ini", "main")
//	}
//
// The first run with -update (or PASTETEST_UPDATE=1) writes
// etc/api-paste.ini.main.graph.golden: the plan as "pasteserve graph"
// prints it, with every factory, its configuration and its source
// position. Later runs fail, with a diff, when a change to the file (or
// to the factories registered) changes the plan. Review the diff before
// committing a regenerated golden file.
package pastetest

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pasteserve/pasteserve/loader"
)

// Option changes how Golden resolves.
type Option func(*options)

type options struct {
	reg    *loader.Registry
	global map[string]string
}

// WithRegistry resolves against reg instead of loader.Default.
func WithRegistry(reg *loader.Registry) Option { return func(o *options) { o.reg = reg } }

// WithGlobal passes global as the caller's global configuration, as
// "pasteserve graph --global k=v" does (auth_strategy, say).
func WithGlobal(global map[string]string) Option { return func(o *options) { o.global = global } }

// Golden resolves the app called name in the paste file at path and
// compares the plan with the golden file path.<name>.graph.golden. A file
// that does not resolve is fine too: the golden file then holds the
// error.
func Golden(t testing.TB, path, name string, opts ...Option) {
	t.Helper()
	o := options{reg: loader.Default}
	for _, opt := range opts {
		opt(&o)
	}
	golden := path + "." + safeName(name) + ".graph.golden"
	compare(t, golden, Plan(path, name, o.reg, o.global))
}

// Plan returns the text Golden compares: the plan of the app called name
// in the paste file at path, or "error:" and the error. File names in it
// are relative to the file's directory, and the directory itself (in
// values built from %(here)s, say) reads <here>, so golden files do not
// depend on where the repository is checked out.
func Plan(path, name string, reg *loader.Registry, global map[string]string) []byte {
	dir, _ := filepath.Abs(filepath.Dir(path))
	var out bytes.Buffer
	r := &loader.Resolver{Registry: reg}
	n, err := r.Resolve(path, name, loader.TypeApp, global)
	if err != nil {
		msg := err.Error()
		wd, _ := os.Getwd()
		if rel, rerr := filepath.Rel(wd, dir); rerr == nil {
			msg = strings.ReplaceAll(msg, rel+string(filepath.Separator), "")
		}
		msg = strings.ReplaceAll(msg, dir+string(filepath.Separator), "")
		msg = strings.ReplaceAll(msg, dir, "<here>")
		out.WriteString("error:\n" + msg + "\n")
		return out.Bytes()
	}
	loader.WriteText(&out, n, loader.TextOptions{Registry: reg, BaseDir: dir})
	return bytes.ReplaceAll(out.Bytes(), []byte(dir), []byte("<here>"))
}

func safeName(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, name)
}

var updateFlag = flag.Bool("pastetest.update", false, "rewrite pastetest golden files")

// updating reports whether golden files should be rewritten: with
// -pastetest.update, PASTETEST_UPDATE=1, or the conventional -update flag
// when the test binary defines one.
func updating() bool {
	if *updateFlag || os.Getenv("PASTETEST_UPDATE") == "1" {
		return true
	}
	if f := flag.Lookup("update"); f != nil {
		return f.Value.String() == "true"
	}
	return false
}

func compare(t testing.TB, path string, got []byte) {
	t.Helper()
	if updating() {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update or PASTETEST_UPDATE=1 to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got); if the change is right, rerun with -update and review the diff:\n%s", path, diff)
	}
}
