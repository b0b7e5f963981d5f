package build

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/resolve"
)

func buildFile(t *testing.T, src string) (http.Handler, error) {
	t.Helper()
	dir := files(t, map[string]string{"api.ini": src})
	reg := traceRegistry()
	r := &resolve.Resolver{Registry: reg}
	n, err := r.Resolve(filepath.Join(dir, "api.ini"), "main", plan.TypeApp, nil)
	if err != nil {
		return nil, err
	}
	return Handler(n, reg)
}

func TestBuildPipelineOrder(t *testing.T) {
	h, err := buildFile(t, "[pipeline:main]\npipeline = a b egg:pasteserve#tag app\n"+
		"[filter:a]\nuse = egg:pasteserve#tag\nname = a\n[filter:b]\npaste.filter_factory = oslo_middleware:Tag.factory\nname = b\n"+
		"[app:app]\nuse = egg:pasteserve#echo-trace\ngreeting = hello\n")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(get(t, h, "/").Body)
	if got, want := string(body), "hello a,b,?"; got != want {
		t.Errorf("body = %q, want %q (leftmost filter outermost, 60)", got, want)
	}
}

func TestBuildFilterWithAndFilterApp(t *testing.T) {
	h, err := buildFile(t, "[app:main]\nuse = egg:pasteserve#echo-trace\nfilter-with = outer\n"+
		"[filter:outer]\nuse = egg:pasteserve#tag\nname = outer\nfilter-with = outest\n"+
		"[filter:outest]\nuse = egg:pasteserve#tag\nname = outest\n")
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := io.ReadAll(get(t, h, "/").Body); string(body) != "hi outest,outer" {
		t.Errorf("filter-with chain: body = %q, want %q (63)", body, "hi outest,outer")
	}
	h, err = buildFile(t, "[filter-app:main]\nuse = egg:pasteserve#tag\nname = fa\nnext = app\n[app:app]\nuse = egg:pasteserve#echo-trace\n")
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := io.ReadAll(get(t, h, "/").Body); string(body) != "hi fa" {
		t.Errorf("filter-app: body = %q (56)", body)
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"unregistered reference with position and suggestion",
			"[app:main]\nuse = egg:pasteserve#echo-trcae\n", "api.ini:2:7: [app:main]: no factory is registered for egg:pasteserve#echo-trcae; nearest registered: egg:pasteserve#echo-trace"},
		{"filter used as an app", "[app:main]\nuse = egg:pasteserve#tag\n", "egg:pasteserve#tag is registered as a filter (\"tag\"), but is used here as a app"},
		{"bad option value at its key", "[pipeline:main]\npipeline = t app\n[filter:t]\nuse = egg:pasteserve#tag\nstrict = maybe\n[app:app]\nuse = egg:pasteserve#echo-trace\n",
			`api.ini:5:1: [filter:t] strict: "maybe" is not a boolean`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := buildFile(t, tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

// TestBuildReportsEveryError: Build calls every factory of the plan and
// reports every problem, sorted, rather than stopping at the first: two
// bad filters and a bad app of a pipeline, the children of a composite
// that returns at its first GetApp error, and a factory's own error next
// to the option errors its Config recorded.
func TestBuildReportsEveryError(t *testing.T) {
	reg := traceRegistry()
	reg.Register(factory.Factory{Name: "all", Namespace: "pasteserve", Kind: factory.KindComposite,
		Children: func(cfg *factory.Config) map[string]string { return cfg.Local },
		Composite: func(l factory.Loader, cfg *factory.Config) (http.Handler, error) {
			for _, k := range sortedKeys(cfg.Local) {
				if _, err := l.GetApp(cfg.Local[k]); err != nil {
					return nil, err
				}
			}
			return okHandler, nil
		}})
	reg.Register(factory.Factory{Name: "picky", Namespace: "pasteserve", Kind: factory.KindApp, App: func(cfg *factory.Config) (http.Handler, error) {
		cfg.Int("rate", 1)
		return nil, fmt.Errorf("cannot start")
	}})
	dir := files(t, map[string]string{"api.ini": "[composite:main]\nuse = egg:pasteserve#all\n/a = pa\n/b = pb\n" +
		"[pipeline:pa]\npipeline = t1 t2 bad\n" +
		"[filter:t1]\nuse = egg:pasteserve#tag\nstrict = maybe\n" +
		"[filter:t2]\nuse = egg:pasteserve#tag\nstrict = perhaps\n" +
		"[app:bad]\nuse = egg:pasteserve#echo-trcae\n" +
		"[app:pb]\nuse = egg:pasteserve#picky\nrate = fast\n"})
	r := &resolve.Resolver{Registry: reg}
	n, err := r.Resolve(filepath.Join(dir, "api.ini"), "main", plan.TypeApp, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Handler(n, reg)
	if h != nil {
		t.Errorf("Build returned a handler with its errors")
	}
	got := strings.ReplaceAll(fmt.Sprint(err), dir+string(filepath.Separator), "")
	want := strings.Join([]string{
		`api.ini:9:1: [filter:t1] strict: "maybe" is not a boolean (use true/false, yes/no, on/off, 1/0)`,
		`api.ini:12:1: [filter:t2] strict: "perhaps" is not a boolean (use true/false, yes/no, on/off, 1/0)`,
		`api.ini:14:7: [app:bad]: no factory is registered for egg:pasteserve#echo-trcae; nearest registered: egg:pasteserve#echo-trace, egg:pasteserve#picky, egg:pasteserve#all (register a Go factory for it and import its package; see docs/plugins.md); to run it in Python, give --python /usr/bin/python3 (docs/python.md)`,
		`api.ini:15:1: [app:pb] (egg:pasteserve#picky): cannot start`,
		`api.ini:17:1: [app:pb] rate: "fast" is not a whole number`,
	}, "\n")
	if got != want {
		t.Errorf("errors:\n%s\nwant:\n%s", got, want)
	}

	// Check reports the same but for the unregistered reference.
	err = Check(n, reg, true)
	got = strings.ReplaceAll(fmt.Sprint(err), dir+string(filepath.Separator), "")
	if strings.Contains(got, "echo-trcae") || strings.Count(got, "\n") != 3 {
		t.Errorf("CheckBuild:\n%s", got)
	}
}

// TestCheckBuildKeepsMisusedReferences: a reference registered as
// another kind of object is an error for Check too; only references
// nothing is registered for are left to the caller's warning.
func TestCheckBuildKeepsMisusedReferences(t *testing.T) {
	reg := traceRegistry()
	dir := files(t, map[string]string{"api.ini": "[pipeline:main]\npipeline = egg:Nowhere#f app\n[app:app]\nuse = egg:pasteserve#tag\n"})
	r := &resolve.Resolver{Registry: reg}
	n, err := r.Resolve(filepath.Join(dir, "api.ini"), "main", plan.TypeApp, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = Check(n, reg, true)
	if err == nil || strings.Contains(err.Error(), "Nowhere") || !strings.Contains(err.Error(), "api.ini:4:7: [app:app]: egg:pasteserve#tag is registered as a filter") {
		t.Errorf("CheckBuild: %v", err)
	}
}

// TestCompositeGetsOnlyDeclaredChildren: resolution resolves the
// children a composite's Children declares, with the plan, and building
// never goes back to the files. A composite that asks at build time for
// a name it did not declare gets nothing but an error naming its
// section, even where the file defines that name; the declared children
// are built from the plan after the file is gone.
func TestCompositeGetsOnlyDeclaredChildren(t *testing.T) {
	reg := traceRegistry()
	reg.Register(factory.Factory{Name: "sneaky", Namespace: "pasteserve", Kind: factory.KindComposite,
		Children: func(cfg *factory.Config) map[string]string { return map[string]string{"/": cfg.Local["/"]} },
		Composite: func(l factory.Loader, cfg *factory.Config) (http.Handler, error) {
			if _, err := l.GetApp(cfg.Local["/"]); err != nil {
				return nil, err
			}
			if name, ok := cfg.Local["extra"]; ok {
				return l.GetApp(name)
			}
			return okHandler, nil
		}})
	const src = "[composite:main]\nuse = egg:pasteserve#sneaky\n/ = app\n%s[app:app]\nuse = egg:pasteserve#echo-trace\n[app:other]\nuse = egg:pasteserve#echo-trace\n"
	dir := files(t, map[string]string{"api.ini": fmt.Sprintf(src, "extra = other\n")})
	path := filepath.Join(dir, "api.ini")
	n, err := (&resolve.Resolver{Registry: reg}).Resolve(path, "main", plan.TypeApp, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Handler(n, reg)
	want := `api.ini:1:1: [composite:main]: composite egg:pasteserve#sneaky asked for "other", which its factory's Children did not declare`
	if h != nil || err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Build: %v, %v\nwant an error containing %s", h, err, want)
	}
	if err := Check(n, reg, false); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("CheckBuild: %v", err)
	}

	// What it declared comes from the plan, not from the file.
	if err := writeFile(path, fmt.Sprintf(src, "")); err != nil {
		t.Fatal(err)
	}
	n, err = (&resolve.Resolver{Registry: reg}).Resolve(path, "main", plan.TypeApp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeFile(path, "[app:app]\nuse = egg:pasteserve#nowhere\n"); err != nil {
		t.Fatal(err)
	}
	if h, err := Handler(n, reg); err != nil || h == nil {
		t.Errorf("Build of a plan whose file changed since: %v", err)
	}
}
