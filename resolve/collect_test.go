package resolve

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/graph"
	"github.com/pasteserve/pasteserve/plan"
)

// resolveErrs resolves main in api.ini of files and returns the plan and
// the error text, file names made relative to the directory.
func resolveErrs(t *testing.T, reg *factory.Registry, fs map[string]string) (*plan.Node, string, string) {
	t.Helper()
	dir := files(t, fs)
	n, err := (&Resolver{Registry: reg}).Resolve(filepath.Join(dir, "api.ini"), "main", plan.TypeApp, nil)
	return n, strings.ReplaceAll(fmt.Sprint(err), dir+string(filepath.Separator), ""), dir
}

// Resolution reports every problem, not only the first: each pipeline
// item, each section, each composite child, both halves of a filter-app,
// and a filter-with beside its object. Each section reports its first
// problem. Resolution once stopped at the first error of all.
func TestResolveReportsEveryError(t *testing.T) {
	reg := fuzzRegistry()
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"pipeline items", "[pipeline:main]\npipeline = a b app\n[app:app]\nuse = egg:pasteserve#app\n", []string{
			`api.ini:2:12: no filter named "a" in api.ini (looked for [filter:NAME])`,
			`api.ini:2:14: no filter named "b" in api.ini (looked for [filter:NAME])`,
		}},
		{"the app and the filters of a pipeline", "[pipeline:main]\npipeline = a\n  b\n  nowhere\n", []string{
			`api.ini:2:12: no filter named "a"`,
			`api.ini:3:3: no filter named "b"`,
			`api.ini:4:3: no app named "nowhere"`,
		}},
		{"three sections", "[pipeline:main]\npipeline = a b app\n" +
			"[filter:a]\nuse = egg:pasteserve#filter\nx = %(nope1)s\n" +
			"[filter:b]\nuse = egg:pasteserve#filter\ny = %(nope2)s\n" +
			"[app:app]\nuse = egg:pasteserve#app\nz = %(nope3)s\n", []string{
			`api.ini:5:1: "x" refers to %(nope1)s, which is not defined here or in [DEFAULT]`,
			`api.ini:8:1: "y" refers to %(nope2)s, which is not defined here or in [DEFAULT]`,
			`api.ini:11:1: "z" refers to %(nope3)s, which is not defined here or in [DEFAULT]`,
		}},
		{"the first problem of a section", "[app:main]\nuse = egg:pasteserve#app\nx = %(nope1)s\ny = %(nope2)s\n", []string{
			`api.ini:3:1: "x" refers to %(nope1)s`,
		}},
		{"composite children", "[composite:main]\nuse = egg:Paste#urlmap\n/ = one\n/v1 = two\n/v2 = app\n/v3 = f app\n[app:app]\nuse = egg:pasteserve#app\n", []string{
			`api.ini:3:1: no app named "one"`,
			`api.ini:4:1: no app named "two"`,
			`api.ini:6:1: no filter named "f"`,
		}},
		{"filter-app", "[filter-app:main]\nuse = nofilter\nnext = noapp\n", []string{
			`api.ini:2:7: no filter named "nofilter"`,
			`api.ini:3:1: no app named "noapp"`,
		}},
		{"filter-with", "[app:main]\nuse = broken\nfilter-with = nof\n[app:broken]\nuse = egg:pasteserve#app\nk = %(x)s\n", []string{
			`api.ini:3:1: no filter named "nof"`,
			`api.ini:6:1: "k" refers to %(x)s`,
		}},
		{"one section reached twice, reported once", "[composite:main]\nuse = egg:Paste#urlmap\n/ = p1\n/v1 = p2\n" +
			"[pipeline:p1]\npipeline = f app\n[pipeline:p2]\npipeline = f app\n[filter:f]\nuse = egg:pasteserve#filter\nx = %(nope)s\n[app:app]\nuse = egg:pasteserve#app\n", []string{
			`api.ini:11:1: "x" refers to %(nope)s`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got, _ := resolveErrs(t, reg, map[string]string{"api.ini": tc.src})
			lines := strings.Split(got, "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("%d errors, want %d:\n%s", len(lines), len(tc.want), got)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("error %d is\n  %s\nwant it to start with\n  %s", i+1, lines[i], w)
				}
			}
		})
	}
}

// A factory reference that an indented line continues is an error at
// the continuation line that says what happened, without quoting the
// value (the line often holds a secret). Multi-line pipelines are fine.
func TestFactoryReferenceOnOneLine(t *testing.T) {
	reg := fuzzRegistry()
	for _, tc := range []struct{ src, want string }{
		{"[app:main]\nuse = egg:pasteserve#app\n admin_password = CONTPW\n",
			"api.ini:3:2: [app:main] use: line 3 is indented, so it continues the value of use above it (configparser's rule) and the factory reference spans 2 lines; unindent it to make it a key of its own"},
		{"[app:main]\npaste.app_factory = m:f\n\tpassword = CONTPW\n\tother = x\n",
			"api.ini:3:2: [app:main] paste.app_factory: line 3 is indented, so it continues the value of paste.app_factory above it (configparser's rule) and the factory reference spans 3 lines; unindent it to make it a key of its own"},
		{"[pipeline:main]\npipeline = f app\n[filter:f]\nuse = egg:pasteserve#filter\n  secret = CONTPW\n[app:app]\nuse = egg:pasteserve#app\n",
			"api.ini:5:3: [filter:f] use: line 5 is indented"},
		{"[filter-app:main]\nuse = egg:pasteserve#filter\n  secret = CONTPW\nnext = app\n[app:app]\nuse = egg:pasteserve#app\n",
			"api.ini:3:3: [filter-app:main] use: line 3 is indented"},
		{"[DEFAULT]\nref = egg:pasteserve#app\n  secret = CONTPW\n[app:main]\nuse = %(ref)s\n",
			"api.ini:5:1: [app:main] use: the factory reference spans 2 lines after interpolation; a reference is one line"},
	} {
		_, got, _ := resolveErrs(t, reg, map[string]string{"api.ini": tc.src})
		if !strings.HasPrefix(got, tc.want) || strings.Contains(got, "CONTPW") || strings.Contains(got, "\n") {
			t.Errorf("%q:\n got %s\nwant %s", tc.src, got, tc.want)
		}
	}
	n, got, _ := resolveErrs(t, reg, map[string]string{"api.ini": "[pipeline:main]\npipeline =\n  filter\n  app\n[filter:filter]\nuse = egg:pasteserve#filter\n[app:app]\nuse = egg:pasteserve#app\n"})
	if got != "<nil>" || graph.Expr(n) != "egg:pasteserve#filter(egg:pasteserve#app)" {
		t.Errorf("multi-line pipeline: %s, %s", graph.Expr(n), got)
	}
}

// SectionType and Defines are the loader's rule for which sections make
// which objects, for callers (pasteserve check) that must not keep a
// copy of it.
func TestSectionTypeAndDefines(t *testing.T) {
	dir := files(t, map[string]string{"api.ini": "[DEFAULT]\n[loggers]\n[App:x]\n[app :y]\n[app:a]\n[application:b]\n[composite:c]\n[composit:d]\n[pipeline:e]\n[filter-app:f]\n[filter:g]\n[server:h]\n[pipeline]\n[server]\n"})
	f, err := dsl.ParseFile(filepath.Join(dir, "api.ini"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range f.Sections {
		typ, ok := SectionType(s)
		got = append(got, fmt.Sprintf("%s=%v", s.Header, map[bool]string{true: typ.String(), false: "-"}[ok]))
	}
	want := "[DEFAULT=- loggers=- App:x=- app :y=- app:a=app application:b=app composite:c=app composit:d=app pipeline:e=app filter-app:f=app filter:g=filter server:h=server pipeline=app server=server]"
	if fmt.Sprint(got) != want {
		t.Errorf("SectionType:\n got %v\nwant %s", got, want)
	}
	for _, tc := range []struct {
		typ  plan.ObjectType
		name string
		want bool
	}{
		{plan.TypeApp, "a", true}, {plan.TypeApp, "b", true}, {plan.TypeApp, "f", true}, {plan.TypeApp, "g", false}, {plan.TypeFilter, "g", true},
		{plan.TypeApp, "x", false}, {plan.TypeApp, "y", false}, {plan.TypeServer, "h", true},
		{plan.TypeApp, "main", true}, // the bare [pipeline]
		{plan.TypeServer, "main", true}, {plan.TypeFilter, "main", false},
	} {
		if got := Defines(f, tc.typ, tc.name); got != tc.want {
			t.Errorf("Defines(%s, %q) = %v", tc.typ, tc.name, got)
		}
	}
}
