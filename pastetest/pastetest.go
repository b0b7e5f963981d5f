// Package pastetest lets teams keep golden files of how their paste files
// resolve, the way pasteserve tests its own corpus:
//
//	import (
//		"testing"
//
//		_ "example.com/mycompany/stamp"              // your own
//		_ "github.com/pasteserve/pasteserve/builtin" // every built-in
//		"github.com/pasteserve/pasteserve/pastetest"
//	)
//
//	func TestPipelines(t *testing.T) {
//		pastetest.Golden(t, "etc/api-paste.ini", "main")
//	}
//
// The first run with go test -update (or PASTETEST_UPDATE=1 go test)
// writes etc/api-paste.ini.main.graph.golden: the plan as "pasteserve
// graph" prints it, with every factory, its configuration and its source
// position. Later runs fail, with a diff, when a change to the file (or
// to the factories registered) changes the plan. Review the diff before
// committing a regenerated golden file.
//
// The test imports the factories the file names, as the pasteserve
// binary that serves it does. A plan with a reference that no imported
// package registers fails the test, with the import that is missing:
// such a plan records "(unregistered)" where the factory belongs, and
// composites without their children, so a golden file of it would
// check next to nothing. Files whose factories are really not in Go
// (yet) can opt in with AllowUnregistered.
//
// -update is the flag Go projects use for golden files. A test binary
// that imports pastetest accepts it whether or not the test package
// defines an -update flag of its own; when it does, -update sets both.
// -pastetest.update rewrites pastetest's golden files only.
package pastetest

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pasteserve/pasteserve/build"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/graph"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/resolve"
)

// Option changes how Golden resolves.
type Option func(*options)

type options struct {
	reg               *factory.Registry
	global            map[string]string
	allowUnregistered bool
	python            bool
}

// WithRegistry resolves against reg instead of factory.Default.
func WithRegistry(reg *factory.Registry) Option { return func(o *options) { o.reg = reg } }

// WithGlobal passes global as the caller's global configuration, as
// "pasteserve graph --global k=v" does (auth_strategy, say).
func WithGlobal(global map[string]string) Option { return func(o *options) { o.global = global } }

// AllowUnregistered lets the plan name references that have no
// registered factory; they are recorded as "(unregistered)". It is for
// files whose factories are Python code with no Go counterpart, such as
// a corpus of other projects' paste files. Without it, Golden fails on
// them and names the missing import.
func AllowUnregistered() Option { return func(o *options) { o.allowUnregistered = true } }

// Python records where each part runs when the file is served with
// --python, as "pasteserve graph --python" prints it: [Go], [Python]
// or [Go, then Python] after each node. The references with no Go
// factory are then the Python parts, so Python implies
// AllowUnregistered.
func Python() Option { return func(o *options) { o.python, o.allowUnregistered = true, true } }

// Golden resolves the app called name in the paste file at path and
// compares the plan with the golden file path.<name>.graph.golden. A file
// that does not resolve is fine too: the golden file then holds the
// error.
//
// Every factory the plan names must be registered (imported by the
// test), unless AllowUnregistered is given: otherwise Golden fails,
// listing each unregistered reference with its position and the import
// that registers it, and writes no golden file.
func Golden(t testing.TB, path, name string, opts ...Option) {
	t.Helper()
	o := options{reg: factory.Default}
	for _, opt := range opts {
		opt(&o)
	}
	text, n := resolvePlan(path, name, o.reg, o.global, o.python)
	if !o.allowUnregistered {
		if msg := unregistered(n, o.reg); msg != "" {
			t.Errorf("%s: the plan of %q names factories that are not registered:\n%s", path, name, msg)
			return
		}
	}
	golden := path + "." + safeName(name) + ".graph.golden"
	compare(t, golden, text)
}

// unregistered lists the references of n that have no factory in reg,
// with what to import, or returns "".
func unregistered(n *plan.Node, reg *factory.Registry) string {
	var b strings.Builder
	imports := map[string]bool{}
	seen := map[string]bool{}
	plan.Walk(n, func(n *plan.Node) {
		if n.Kind != plan.NodeFactory {
			return
		}
		if _, ok := reg.Lookup(n.Ref.Text, n.Type); ok {
			return
		}
		line := fmt.Sprintf("\t%s: %s %s", n.Ref.Pos, n.Type, n.Ref.Text)
		if seen[line] {
			return
		}
		seen[line] = true
		b.WriteString(line)
		if pkg := factory.BuiltinPackage(n.Ref.Text, n.Type); pkg != "" && reg == factory.Default {
			imports[pkg] = true
			fmt.Fprintf(&b, " (built in: registered by %s)\n", pkg)
		} else {
			b.WriteString(" (no built-in factory: import the package that registers yours; see docs/plugins.md)\n")
		}
	})
	if b.Len() == 0 {
		return ""
	}
	if reg != factory.Default {
		b.WriteString("register them in the registry given with WithRegistry")
	} else if len(imports) > 0 {
		// The packages that register the built-ins named (builtin).
		var missing []string
		for _, pkg := range factory.BuiltinPackages {
			if imports[pkg] {
				missing = append(missing, fmt.Sprintf("import _ %q", pkg))
			}
		}
		b.WriteString("add to the test: " + strings.Join(missing, "; "))
	} else {
		b.WriteString("import the packages that register them")
	}
	b.WriteString(" (or pass pastetest.AllowUnregistered() to record them as unregistered)")
	return b.String()
}

// Plan returns the text Golden compares: the plan of the app called name
// in the paste file at path, or "error:" and the error. File names in it
// are relative to the file's directory, and the directory itself (in
// values built from %(here)s, say) reads <here>, so golden files do not
// depend on where the repository is checked out.
func Plan(path, name string, reg *factory.Registry, global map[string]string) []byte {
	text, _ := resolvePlan(path, name, reg, global, false)
	return text
}

// resolvePlan returns Plan's text and the resolved plan (nil on an error).
func resolvePlan(path, name string, reg *factory.Registry, global map[string]string, python bool) ([]byte, *plan.Node) {
	dir, _ := filepath.Abs(filepath.Dir(path))
	var out bytes.Buffer
	r := &resolve.Resolver{Registry: reg}
	n, err := r.Resolve(path, name, plan.TypeApp, global)
	if err != nil {
		msg := err.Error()
		wd, _ := os.Getwd()
		if rel, rerr := filepath.Rel(wd, dir); rerr == nil {
			msg = strings.ReplaceAll(msg, rel+string(filepath.Separator), "")
		}
		msg = strings.ReplaceAll(msg, dir+string(filepath.Separator), "")
		msg = strings.ReplaceAll(msg, dir, "<here>")
		out.WriteString("error:\n" + msg + "\n")
		return out.Bytes(), nil
	}
	// Secrets are shown: a golden file records what resolution gives,
	// and the paste file beside it holds the same values.
	opts := graph.Options{Registry: reg, BaseDir: dir, ShowSecrets: true}
	if python {
		places := build.Places(n, reg)
		opts.RunsIn = func(n *plan.Node) string { return places[n].String() }
	}
	graph.WriteText(&out, n, opts)
	return bytes.ReplaceAll(out.Bytes(), []byte(dir), []byte("<here>")), n
}

func safeName(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, name)
}

// updateFlag is -pastetest.update; init renames -update to it.
//
// go test -update works in every test binary that imports pastetest,
// although pastetest cannot define an -update flag: a test package that
// defines its own (as many do, for their own golden files; pasteserve's
// dsl and loader tests do) would then panic with "flag redefined" when it
// starts, since pastetest is initialised first. Instead init, which runs
// before the testing package parses the command line, renames -update
// (and -update=value) in os.Args to -pastetest.update. Parsing the
// renamed argument sets updateFlag and, when the test package has
// defined an -update flag of its own by then, that flag too, to the same
// value: both kinds of golden files are rewritten, as the user asked. A
// test package's own -update flag must therefore take its value as
// -update or -update=value, as a boolean flag does.
var updateFlag = &updateValue{}

func init() {
	flag.Var(updateFlag, "pastetest.update", "rewrite pastetest golden files (go test -update is the same)")
	os.Args, updateFlag.forward = rewriteUpdate(os.Args)
}

// rewriteUpdate returns args with every -update or --update flag (with or
// without =value) before a "--" renamed -pastetest.update, and whether
// there was one.
func rewriteUpdate(args []string) ([]string, bool) {
	out := make([]string, 0, len(args))
	found := false
	for i, a := range args {
		if a == "--" && i > 0 {
			out = append(out, args[i:]...)
			break
		}
		if i > 0 {
			name, value, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
			if strings.HasPrefix(a, "-") && name == "update" {
				found = true
				a = "-pastetest.update"
				if hasValue {
					a += "=" + value
				}
			}
		}
		out = append(out, a)
	}
	return out, found
}

// updateValue is the boolean value of -pastetest.update.
type updateValue struct {
	on      bool
	forward bool // -update was given: set the test package's own -update too
}

func (v *updateValue) IsBoolFlag() bool { return true }
func (v *updateValue) String() string {
	if v == nil {
		return "false"
	}
	return strconv.FormatBool(v.on)
}

// Get returns whether the flag is set, as a bool.
func (v *updateValue) Get() any { return v.on }

func (v *updateValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if v.forward {
		if flag.Lookup("update") != nil {
			if serr := flag.Set("update", s); serr != nil {
				return fmt.Errorf("the test's own -update flag: %v", serr)
			}
			v.on = err != nil || b // a value of its own, such as -update=all, means yes
			return nil
		}
	}
	if err != nil {
		return err
	}
	v.on = b
	return nil
}

// updating reports whether golden files should be rewritten: with
// -update or -pastetest.update, PASTETEST_UPDATE=1, or the test binary's
// own -update flag (set by a TestMain, say).
func updating() bool {
	if updateFlag.on || os.Getenv("PASTETEST_UPDATE") == "1" {
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
		t.Fatalf("%v (go test -update, or PASTETEST_UPDATE=1 go test, creates it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got); if the change is right, rewrite it with go test -update (or PASTETEST_UPDATE=1 go test) and review the diff:\n%s", path, diff)
	}
}
