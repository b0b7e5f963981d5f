package resolve

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pasteserve/pasteserve/graph"
	"github.com/pasteserve/pasteserve/plan"
)

// resolveCase is one resolution scenario. The id names the checklist
// item(s) of ../shared/spec/pastedeploy.md §11 (or the spec's experiment
// id) that the case covers.
type resolveCase struct {
	id     string
	files  map[string]string // "api.ini" is loaded
	name   string
	typ    plan.ObjectType
	global map[string]string

	expr    string            // Expr of the result
	local   map[string]string // exact local conf of the outermost factory node
	global_ map[string]string // entries that must be in its global conf
	noGlob  []string          // keys that must not be in its global conf
	err     string            // substring of the expected error
	errPos  string            // "line:col" the error must point at
}

func runResolveCases(t *testing.T, cases []resolveCase) {
	// "<dir>" in expected values stands for the case's directory.
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			dir := files(t, tc.files)
			r := &Resolver{Registry: testRegistry()}
			n, err := r.Resolve(filepath.Join(dir, "api.ini"), tc.name, tc.typ, tc.global)
			if tc.err != "" {
				if err == nil {
					t.Fatalf("want error containing %q, got %s", tc.err, graph.Expr(n))
				}
				if !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %q does not contain %q", err, tc.err)
				}
				if tc.errPos != "" && !strings.Contains(err.Error(), ":"+tc.errPos+":") {
					t.Errorf("error %q is not at %s", err, tc.errPos)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if tc.expr != "" {
				if got := graph.Expr(n); got != tc.expr {
					t.Errorf("Expr = %s\nwant   %s", got, tc.expr)
				}
			}
			leaf := n
			for leaf.Kind == plan.NodeFilterWith {
				leaf = leaf.App
			}
			sub := func(m map[string]string) map[string]string {
				out := map[string]string{}
				for k, v := range m {
					out[k] = strings.ReplaceAll(v, "<dir>", dir)
				}
				return out
			}
			if tc.local != nil {
				if diff := cmp.Diff(sub(tc.local), leaf.Local); diff != "" {
					t.Errorf("local conf (-want +got):\n%s", diff)
				}
			}
			for k, v := range sub(tc.global_) {
				if got, ok := leaf.Global[k]; !ok || got != v {
					t.Errorf("global[%q] = %q (present %v), want %q", k, got, ok, v)
				}
			}
			for _, k := range tc.noGlob {
				if _, ok := leaf.Global[k]; ok {
					t.Errorf("global has %q, want it absent", k)
				}
			}
		})
	}
}

func TestResolveURIsAndSections(t *testing.T) {
	runResolveCases(t, []resolveCase{
		{id: "3 unknown scheme", files: map[string]string{"api.ini": "[app:main]\nuse = http://example.com/app\n"},
			err: `URI scheme not known: "http"`, errPos: "2:7"},
		{id: "3 scheme case-insensitive (u10)", files: map[string]string{"api.ini": "[app:main]\nuse = EGG:Probe#app\n"},
			expr: "egg:Probe#app"},
		{id: "4 fragment names the object", files: map[string]string{"api.ini": "[app:main]\nuse = config:other.ini#x\n", "other.ini": "[app:x]\nuse = egg:P#x\n"},
			expr: "egg:P#x"},
		{id: "5 default name main", files: map[string]string{"api.ini": "[app:main]\nuse = config:other.ini\n", "other.ini": "[app:main]\nuse = egg:P#inner\n"},
			expr: "egg:P#inner"},
		{id: "7 config path percent-decoded, relative (x08)", files: map[string]string{"api.ini": "[app:main]\nuse = config:sub/inc%%32.ini\n", "sub/inc2.ini": "[app:main]\nuse = egg:P#two\n"},
			expr: "egg:P#two"},
		{id: "8 config relative to the including file", files: map[string]string{
			"api.ini":   "[app:main]\nuse = config:sub/a.ini\n",
			"sub/a.ini": "[app:main]\nuse = config:b.ini\n",
			"sub/b.ini": "[app:main]\nuse = egg:P#b\n"},
			expr: "egg:P#b"},
		{id: "9 missing config file", files: map[string]string{"api.ini": "[app:main]\nuse = config:nope.ini\n"},
			err: "cannot read paste file", errPos: "2:7"},
		// An interpolated value has no position of its own: the error
		// is at its key (it once had none, found by FuzzResolveBuild).
		{id: "9 error in an interpolated use", files: map[string]string{"api.ini": "[DEFAULT]\nx = nope\n[app:main]\nuse = %(x)s\n"},
			err: `no app named "nope"`, errPos: "4:1"},
		{id: "10 egg default entry main", files: map[string]string{"api.ini": "[app:main]\nuse = egg:Probe\n"},
			expr: "egg:Probe#main"},
		{id: "14 call without module:attr", files: map[string]string{"api.ini": "[app:main]\nuse = call:nomodule\n"},
			err: "call:module:function"},
		{id: "14 call fragment ignored", files: map[string]string{"api.ini": "[app:main]\nuse = call:m.n:f#ignored\n"},
			expr: "call:m.n:f"},
		{id: "27 application prefix", files: map[string]string{"api.ini": "[application:main]\nuse = egg:P#a\n"}, expr: "egg:P#a"},
		{id: "27 composit prefix", files: map[string]string{"api.ini": "[composit:main]\nuse = call:m:f\n"}, expr: "call:m:f{}"},
		{id: "28 other sections ignored", files: map[string]string{"api.ini": "[loggers]\nkeys = root\n[uwsgi]\nx = 1\n[app:main]\nuse = egg:P#a\n"}, expr: "egg:P#a"},
		{id: "29 name stripped (p09)", files: map[string]string{"api.ini": "[app: main ]\nuse = egg:P#a\n"}, expr: "egg:P#a"},
		{id: "29 nothing between prefix and colon (p10)", files: map[string]string{"api.ini": "[app : main]\nuse = egg:P#a\n"},
			err: `no app named "main"`},
		{id: "25 section names case-sensitive (p07)", files: map[string]string{"api.ini": "[App:main]\nuse = egg:P#a\n"}, err: `no app named "main"`},
		{id: "30 app wins over application (u06)", files: map[string]string{"api.ini": "[application:main]\nuse = egg:P#second\n[app:main]\nuse = egg:P#first\n"}, expr: "egg:P#first"},
		{id: "31 ambiguous across groups (u05)", files: map[string]string{"api.ini": "[app:x]\nuse = egg:P#a\n[composite:x]\nuse = egg:P#b\n[app:main]\nuse = x\n"},
			err: `"x" is ambiguous`, errPos: "6:7"},
		{id: "32 no section, with suggestion", files: map[string]string{"api.ini": "[app:main]\nuse = versoins\n[app:versions]\nuse = egg:P#v\n"},
			err: `no app named "versoins"`, errPos: "2:7"},
		{id: "33 bare [app] answers to main (Q7 fixed)", files: map[string]string{"api.ini": "[app]\nuse = egg:P#bare\n"}, expr: "egg:P#bare"},
		{id: "33 [app:main] wins over a bare [app] (p12)", files: map[string]string{"api.ini": "[app]\nuse = egg:P#a\n[app:main]\nuse = egg:P#b\n"}, expr: "egg:P#b"},
		{id: "33 [app:main] written first wins over a bare [app]", files: map[string]string{"api.ini": "[app:main]\nuse = egg:P#b\n[app]\nuse = egg:P#a\n"}, expr: "egg:P#b"},
		{id: "33 [application:main] wins over a bare [app]", files: map[string]string{"api.ini": "[app]\nuse = egg:P#a\n[application:main]\nuse = egg:P#b\n"}, expr: "egg:P#b"},
		{id: "33 [composite:main] wins over a bare [app]", files: map[string]string{"api.ini": "[app]\nuse = egg:P#a\n[composite:main]\nuse = call:m:f\n"}, expr: "call:m:f{}"},
		{id: "33 bare [app] and bare [composite] are ambiguous", files: map[string]string{"api.ini": "[app]\nuse = egg:P#a\n[composite]\nuse = call:m:f\n"}, err: `"main" is ambiguous`},
		{id: "34 my-scheme:foo is a section name (u11)", files: map[string]string{"api.ini": "[app:main]\nuse = my-scheme:foo\n[app:my-scheme:foo]\nuse = egg:P#s\n"}, expr: "egg:P#s"},
		{id: "2 URI without scheme from the caller", files: map[string]string{"api.ini": "[app:main]\nuse = egg:P#a\n"}, name: "main", expr: "egg:P#a"},
	})
}

// TestInterpolatedRefPos: a factory reference that came through
// interpolation is positioned at its key, so that "no factory" errors
// at build time point somewhere.
func TestInterpolatedRefPos(t *testing.T) {
	dir := files(t, map[string]string{"api.ini": "[DEFAULT]\nx = m:f\n[app:main]\npaste.app_factory = %(x)s\n"})
	n, err := (&Resolver{}).Resolve(filepath.Join(dir, "api.ini"), "main", plan.TypeApp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n.Ref.Text != "m:f" || n.Ref.Pos.Line != 4 || n.Ref.Pos.Column != 1 {
		t.Errorf("ref %q at %v, want m:f at 4:1", n.Ref.Text, n.Ref.Pos)
	}
}

// TestBareSectionBesideMainWarns: where [app:main] wins over a bare
// [app] (Q7), the bare section is never loaded, and the resolver says so
// at its position.
func TestBareSectionBesideMainWarns(t *testing.T) {
	dir := files(t, map[string]string{"api.ini": "[app:main]\nuse = egg:P#b\n\n[app]\nuse = egg:P#a\n"})
	r := &Resolver{Registry: testRegistry()}
	n, err := r.Resolve(filepath.Join(dir, "api.ini"), "main", plan.TypeApp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := graph.Expr(n); got != "egg:P#b" {
		t.Errorf("resolved %s, want egg:P#b", got)
	}
	ws := r.Warnings()
	if len(ws) != 1 {
		t.Fatalf("want one warning, got %v", ws)
	}
	w := ws[0]
	if got := fmt.Sprintf("%d:%d", w.Pos.Line, w.Pos.Column); got != "4:1" || !strings.Contains(w.Msg, "[app] is never loaded: [app:main] answers to main") {
		t.Errorf("warning at %s: %s", got, w.Msg)
	}
	if len(w.Related) != 1 || w.Related[0].Pos.Line != 1 {
		t.Errorf("related: %v", w.Related)
	}
}

// A name no section answers to is a NotFoundError that callers find with
// errors.As, through the dsl.Diagnostics, with what was looked for and
// where; its message is unchanged.
func TestNotFoundIsTyped(t *testing.T) {
	dir := files(t, map[string]string{"api.ini": "[pipeline:main]\npipeline = nofilter app\n[app:app]\nuse = egg:P#a\n"})
	path := filepath.Join(dir, "api.ini")
	for _, tc := range []struct {
		name string
		typ  plan.ObjectType
		want NotFoundError
	}{
		{"main", plan.TypeApp, NotFoundError{plan.TypeFilter, "nofilter", path}},
		{"main", plan.TypeServer, NotFoundError{plan.TypeServer, "main", path}},
	} {
		_, err := (&Resolver{Registry: testRegistry()}).Resolve(path, tc.name, tc.typ, nil)
		var nf *NotFoundError
		if !errors.As(err, &nf) || *nf != tc.want {
			t.Errorf("Resolve(%s %s): %v; errors.As gives %+v, want %+v", tc.typ, tc.name, err, nf, tc.want)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("no %s named %q in api.ini (looked for", tc.want.Type, tc.want.Name)) {
			t.Errorf("message: %v", err)
		}
	}
	_, err := (&Resolver{}).Resolve(path, "app", plan.TypeApp, nil)
	var nf *NotFoundError
	if errors.As(err, &nf) {
		t.Errorf("a file that has the section: %v", err)
	}
}
