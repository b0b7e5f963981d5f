package build

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/resolve"
)

// recorder is a Foreign that records the tails it is asked for, and
// serves each as "python NAME/SKIP" followed by the X-Trace header the
// Go filters in front added.
type recorder struct {
	tails []Tail
	calls *[]string // shared with the registry's factories, for the order
	fail  error
}

func (r *recorder) Tail(t Tail) (http.Handler, error) {
	r.tails = append(r.tails, t)
	if r.calls != nil {
		*r.calls = append(*r.calls, fmt.Sprintf("tail:%s/%d", t.Name, t.Skip))
	}
	if r.fail != nil {
		return nil, r.fail
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		fmt.Fprintf(w, "python %s/%d %s", t.Name, t.Skip, strings.Join(req.Header.Values("X-Trace"), ","))
	}), nil
}

// splitRegistry is the trace registry (tag, echo-trace) with a composite,
// mount, that builds every child and serves a request by the longest
// key that prefixes its path, and with calls recorded in order.
func splitRegistry(calls *[]string) *factory.Registry {
	reg := traceRegistry()
	// Each answers to a Python reference too, as the built-ins do: the
	// Python side resolves the Go elements in front of a tail.
	reg.Register(factory.Factory{Name: "counted", Namespace: "pasteserve", Kind: factory.KindFilter, Aliases: []string{"testmw:Counted.factory"},
		Filter: func(cfg *factory.Config) (factory.Middleware, error) {
			*calls = append(*calls, "filter:"+cfg.String("name", "?"))
			name := cfg.String("name", "?")
			return func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
					req.Header.Add("X-Trace", name)
					next.ServeHTTP(w, req)
				})
			}, nil
		}})
	reg.Register(factory.Factory{Name: "echo", Namespace: "pasteserve", Kind: factory.KindApp, Aliases: []string{"testmw:echo_factory"},
		App: func(cfg *factory.Config) (http.Handler, error) {
			return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				fmt.Fprintf(w, "hi %s", strings.Join(req.Header.Values("X-Trace"), ","))
			}), nil
		}})
	reg.Register(factory.Factory{Name: "mount", Namespace: "pasteserve", Kind: factory.KindComposite, Aliases: []string{"testmw:mount"},
		Children: func(cfg *factory.Config) map[string]string { return cfg.Local },
		Composite: func(l factory.Loader, cfg *factory.Config) (http.Handler, error) {
			*calls = append(*calls, "composite")
			kids := map[string]http.Handler{}
			for _, k := range sortedKeys(cfg.Local) {
				h, err := l.GetApp(cfg.Local[k])
				if err != nil {
					return nil, err
				}
				kids[k] = h
			}
			return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				best := ""
				for k := range kids {
					if strings.HasPrefix(req.URL.Path, k) && len(k) > len(best) {
						best = k
					}
				}
				kids[best].ServeHTTP(w, req)
			}), nil
		}})
	return reg
}

// splitPlan resolves main in api.ini and builds it with rec as Foreign.
func splitPlan(t *testing.T, src string, global map[string]string, rec *recorder) (http.Handler, *plan.Node, string, error) {
	t.Helper()
	var calls []string
	if rec.calls == nil {
		rec.calls = &calls
	}
	reg := splitRegistry(rec.calls)
	dir := files(t, map[string]string{"api.ini": src})
	path := filepath.Join(dir, "api.ini")
	n, err := (&resolve.Resolver{Registry: reg}).Resolve(path, "main", plan.TypeApp, global)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Options{Foreign: rec, File: path, Injected: global}.Handler(n, reg)
	return h, n, path, err
}

func body(t *testing.T, h http.Handler, path string) string {
	t.Helper()
	b, _ := io.ReadAll(get(t, h, path).Body)
	return string(b)
}

const goFilters = "[filter:a]\npaste.filter_factory = testmw:Counted.factory\nname = a\n[filter:b]\npaste.filter_factory = testmw:Counted.factory\nname = b\n" +
	"[filter:py]\npaste.filter_factory = myproject.middleware:Thing.factory\n[app:pyapp]\npaste.app_factory = myproject.api:app_factory\n" +
	"[app:goapp]\npaste.app_factory = testmw:echo_factory\n"

// A pipeline is split at its first element with no Go factory: the Go
// filters in front are built and run in Go, in order; that element and
// everything after it, the Go filter b and the app included, are one
// tail, loaded by the name the pipeline was asked for, after the one Go
// filter, and none of them is built in Go.
func TestSplitPipeline(t *testing.T) {
	var calls []string
	rec := &recorder{calls: &calls}
	h, _, path, err := splitPlan(t, "[pipeline:main]\npipeline = a py b pyapp\n"+goFilters, nil, rec)
	if err != nil {
		t.Fatal(err)
	}
	if got := body(t, h, "/"); got != "python main/1 a" {
		t.Errorf("body %q, want the tail behind filter a", got)
	}
	// PasteDeploy's creation order: the app (here the tail, where its
	// app would be made: the tail begins at py, made after a), then
	// the filters left to right; b is in the tail and never made.
	if got := strings.Join(calls, " "); got != "filter:a tail:main/1" {
		t.Errorf("calls %q", got)
	}
	if len(rec.tails) != 1 {
		t.Fatalf("tails %+v", rec.tails)
	}
	tl := rec.tails[0]
	var sections []string
	for _, n := range tl.Nodes {
		sections = append(sections, n.Section)
	}
	if tl.Name != "main" || tl.Skip != 1 || tl.Root.Section != "pipeline:main" || fmt.Sprint(sections) != "[filter:py filter:b app:pyapp]" {
		t.Errorf("tail %+v, sections %v", tl, sections)
	}
	// Python loads the items from py on by their names, in the
	// pipeline's file, with the pipeline's global configuration: a
	// is never resolved there.
	wantGlobal := map[string]string{"here": filepath.Dir(path), "__file__": path}
	if tl.File != path || tl.Defaults != nil || !cmp.Equal(tl.Global, wantGlobal) || form(tl) != "py b app:pyapp" || tl.FiltersFirst {
		t.Errorf("tail %s in %s, defaults %v, global %v", form(tl), tl.File, tl.Defaults, tl.Global)
	}
}

// form lists what the Python side loads of t: each element's name, with
// /Skip+Keep where it skips, and "app:" before the app.
func form(t Tail) string {
	var out []string
	for _, e := range t.Elements {
		s := e.Name
		if e.Type == plan.TypeApp {
			s = "app:" + s
		}
		if e.Skip > 0 {
			s += fmt.Sprintf("/%d+%d", e.Skip, e.Keep)
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// globalOf names the structure of the plan root whose global
// configuration g is, "none" for nil.
func globalOf(root *plan.Node, g map[string]string) string {
	if g == nil {
		return "none"
	}
	out := "?"
	plan.Walk(root, func(x *plan.Node) {
		if out == "?" && x.Section != "" && (x.Kind != plan.NodeFactory || x.Children != nil) && cmp.Equal(x.Global, g) {
			out = x.Section
		}
	})
	return out
}

// Python loads a tail by the names of its elements, as the structure
// that holds them names them, with that structure's global
// configuration: from the split on, so that nothing in front of it is
// resolved in Python. Only where the split falls inside filter-with
// (whose object's name would apply its filter again) is an element
// loaded by name less what Go runs of it.
func TestTailForms(t *testing.T) {
	const pw = "[filter:pw]\npaste.filter_factory = myproject.middleware:Other.factory\nfilter-with = b\n"
	for _, tc := range []struct{ name, src, form, global string }{
		{"pipeline", "[pipeline:main]\nset x = 1\npipeline = a py b pyapp\n", "py b app:pyapp", "pipeline:main"},
		{"Python first", "[pipeline:main]\npipeline = py a goapp\n", "app:main", "none"},
		{"nested pipeline", "[pipeline:main]\npipeline = a inner\n[pipeline:inner]\nset y = 2\npipeline = b py goapp\n", "py app:goapp", "pipeline:inner"},
		{"filter-with on a Python app", "[app:main]\npaste.app_factory = myproject.api:app_factory\nfilter-with = a\n", "app:main/1+1", "none"},
		{"filter-with on a pipeline", "[pipeline:main]\nset x = 1\npipeline = b py goapp\nfilter-with = a\n", "py app:goapp", "pipeline:main"},
		{"filter-app of a Go filter", "[filter-app:main]\npaste.filter_factory = testmw:Counted.factory\nset x = 1\nnext = pyapp\n", "app:pyapp", "filter-app:main"},
		{"filter-app, split in next", "[filter-app:main]\npaste.filter_factory = testmw:Counted.factory\nnext = inner\n[pipeline:inner]\nset y = 2\npipeline = b py goapp\n", "py app:goapp", "pipeline:inner"},
		{"pipeline item with a Go filter-with", "[pipeline:main]\nset x = 1\npipeline = a pw goapp\n" + pw, "pw/1+1 app:goapp", "pipeline:main"},
		{"pipeline item after a filter-with", "[pipeline:main]\nset x = 1\npipeline = aw py goapp\n[filter:aw]\npaste.filter_factory = testmw:Counted.factory\nname = aw\nfilter-with = b\n", "py app:goapp", "pipeline:main"},
		{"a Python composite whole", "[composite:main]\npaste.composite_factory = myproject:root\n/ = goapp\n", "app:main", "none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			_, n, path, err := splitPlan(t, tc.src+goFilters, nil, rec)
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.tails) != 1 {
				t.Fatalf("tails %+v", rec.tails)
			}
			tl := rec.tails[0]
			if form(tl) != tc.form || globalOf(n, tl.Global) != tc.global || tl.File != path || tl.Defaults != nil || tl.FiltersFirst {
				t.Errorf("tail %q global of %s in %s, defaults %v, filters first %v; want %q global of %s", form(tl), globalOf(n, tl.Global), tl.File, tl.Defaults, tl.FiltersFirst, tc.form, tc.global)
			}
		})
	}
}

// A composite's inline pipeline is loaded by the names of its words,
// from the split on, in the composite's file, with no global
// configuration and the filters made first, as OpenStack's pipeline
// selectors load it; what Go runs in front may be Go's alone.
func TestTailFormsInline(t *testing.T) {
	const pw = "[filter:pw]\npaste.filter_factory = myproject.middleware:Other.factory\nfilter-with = b\n"
	const ga = "[filter:ga]\nuse = egg:pasteserve#counted\nname = ga\n"
	for _, tc := range []struct{ name, value, form, body string }{
		{"a Python filter", "ga a py b pyapp", "py b app:pyapp", "python ga a py b pyapp/2 ga,a"},
		{"a Python app", "ga pyapp", "app:pyapp", "python ga pyapp/1 ga"},
		{"all Python", "py a pyapp", "py a app:pyapp", "python py a pyapp/0 "},
		{"a filter-with item", "ga pw goapp", "pw/1+1 app:goapp", "python ga pw goapp/2 ga,b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			src := "[composite:main]\npaste.composite_factory = testmw:mount\nset m = 1\n/ = " + tc.value + "\n" + pw + ga + goFilters
			h, _, path, err := splitPlan(t, src, nil, rec)
			if err != nil {
				t.Fatal(err)
			}
			if got := body(t, h, "/"); got != tc.body {
				t.Errorf("body %q, want %q", got, tc.body)
			}
			if len(rec.tails) != 1 {
				t.Fatalf("tails %+v", rec.tails)
			}
			tl := rec.tails[0]
			if form(tl) != tc.form || tl.Global != nil || tl.File != path || tl.Defaults != nil || tl.FiltersFirst != (len(tl.Elements) > 1) {
				t.Errorf("tail %q in %s, global %v, defaults %v, filters first %v; want %q, no global", form(tl), tl.File, tl.Global, tl.Defaults, tl.FiltersFirst, tc.form)
			}
		})
	}
}

// The split flattens a chain as PasteDeploy builds it: filter-with and
// filter-app are their filter, then what they wrap, nested pipelines
// their filters, so Skip counts the Go filters across them; a chain
// whose first element has no Go factory is a tail whole.
func TestSplitFlattens(t *testing.T) {
	for _, tc := range []struct{ name, src, want, calls string }{
		{"filter-with on a Python app", "[app:main]\npaste.app_factory = myproject.api:app_factory\nfilter-with = a\n", "python main/1 a", "filter:a tail:main/1"},
		{"filter-app of a Go filter", "[filter-app:main]\npaste.filter_factory = testmw:Counted.factory\nname = fa\nnext = pyapp\n", "python main/1 fa", "tail:main/1 filter:fa"},
		{"a Python filter-app whole", "[filter-app:main]\npaste.filter_factory = myproject.middleware:Thing.factory\nnext = goapp\n", "python main/0 ", "tail:main/0"},
		{"nested pipeline", "[pipeline:main]\npipeline = a inner\n[pipeline:inner]\npipeline = b py goapp\n", "python main/2 a,b", "filter:b tail:main/2 filter:a"},
		{"filter with filter-with", "[pipeline:main]\npipeline = aw py goapp\n[filter:aw]\npaste.filter_factory = testmw:Counted.factory\nname = aw\nfilter-with = b\n", "python main/2 b,aw", "filter:b filter:aw tail:main/2"},
		{"Python app at the end", "[pipeline:main]\npipeline = a b pyapp\n", "python main/2 a,b", "tail:main/2 filter:a filter:b"},
		{"Python composite whole", "[composite:main]\npaste.composite_factory = myproject:root\n/ = goapp\n", "python main/0 ", "tail:main/0"},
		{"Python first", "[pipeline:main]\npipeline = py a goapp\n", "python main/0 ", "tail:main/0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls []string
			h, _, _, err := splitPlan(t, tc.src+goFilters, nil, &recorder{calls: &calls})
			if err != nil {
				t.Fatal(err)
			}
			if got := body(t, h, "/"); got != tc.want {
				t.Errorf("body %q, want %q", got, tc.want)
			}
			if got := strings.Join(calls, " "); got != tc.calls {
				t.Errorf("calls %q, want %q", got, tc.calls)
			}
		})
	}
}

// A composite's children are chains of their own, loaded from the file
// that defines the composite by the name the composite gives, with the
// composite's global configuration less what pasteserve injected (a
// key the file sets to another value stays); a chain with no Python
// part is built wholly in Go, and the composite in Go around both.
func TestSplitCompositeChildren(t *testing.T) {
	rec := &recorder{}
	src := "[DEFAULT]\ndebug = true\n[composite:main]\npaste.composite_factory = testmw:mount\nset flavor = mine\n/ = goapp\n/v1 = api\n" +
		"[pipeline:api]\npipeline = a py pyapp\n" + goFilters
	injected := map[string]string{"auth_strategy": "keystone", "flavor": "pasteserve's", "keystone_authtoken.auth_url": "http://ks"}
	h, _, path, err := splitPlan(t, src, injected, rec)
	if err != nil {
		t.Fatal(err)
	}
	if got := body(t, h, "/v1/x"); got != "python api/1 a" {
		t.Errorf("/v1: %q", got)
	}
	if got := body(t, h, "/"); got != "hi " {
		t.Errorf("/: %q, want the Go app", got)
	}
	if len(rec.tails) != 1 {
		t.Fatalf("tails %+v", rec.tails)
	}
	tl := rec.tails[0]
	want := map[string]string{"debug": "true", "flavor": "mine", "here": filepath.Dir(path), "__file__": path}
	if tl.File != path || tl.Name != "api" || tl.Skip != 1 || !cmp.Equal(tl.Global, want) {
		t.Errorf("tail %s %s/%d global %v\nwant global %v", tl.File, tl.Name, tl.Skip, tl.Global, want)
	}
}

// Tails lists what Handler asks Foreign for, without calling a factory,
// and Places says where every node runs.
func TestTailsAndPlaces(t *testing.T) {
	rec := &recorder{}
	src := "[composite:main]\npaste.composite_factory = testmw:mount\n/ = goapp\n/v1 = api\n/v2 = inpy\n" +
		"[pipeline:api]\npipeline = a py b pyapp\n[pipeline:inpy]\npipeline = py inner\n[composite:inner]\npaste.composite_factory = testmw:mount\n/ = goapp\n" + goFilters
	_, n, path, err := splitPlan(t, src, nil, rec)
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	reg := splitRegistry(&calls)
	tails, err := Options{File: path}.Tails(n, reg)
	if err != nil {
		t.Fatal(err)
	}
	var got, built []string
	for _, tl := range tails {
		got = append(got, fmt.Sprintf("%s/%d", tl.Name, tl.Skip))
	}
	for _, tl := range rec.tails {
		built = append(built, fmt.Sprintf("%s/%d", tl.Name, tl.Skip))
	}
	slices.Sort(built)
	if fmt.Sprint(got) != "[api/1 inpy/0]" || fmt.Sprint(got) != fmt.Sprint(built) || len(calls) != 0 {
		t.Errorf("Tails %v, built %v, factory calls %v", got, built, calls)
	}

	places := Places(n, reg)
	var lines []string
	plan.Walk(n, func(x *plan.Node) {
		label := x.Section
		if label == "" {
			label = x.Kind.String()
		}
		lines = append(lines, label+" "+places[x].String())
	})
	want := []string{
		"composite:main Go",
		"app:goapp Go",
		"pipeline:api Go, then Python", "filter:a Go", "filter:py Python", "filter:b Python", "app:pyapp Python",
		"pipeline:inpy Python", "filter:py Python", "composite:inner Python", "app:goapp Python",
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("places (-want +got):\n%s", diff)
	}
}

// A tail of a file included with config: is loaded as PasteDeploy
// loads it there: in that file, its loader opened with the global
// configuration of the composite that named it, the items with their
// pipeline's; and Handler asks Foreign for exactly the tails that Tails
// lists, however deep the composites that hold them.
func TestTailsOfAnIncludedFile(t *testing.T) {
	var calls []string
	reg := splitRegistry(&calls)
	dir := files(t, map[string]string{
		"api.ini": "[composite:main]\npaste.composite_factory = testmw:mount\nset m = 1\n/ = goapp\n/v1 = config:inc.ini#incmain\n" + goFilters,
		"inc.ini": "[composite:incmain]\npaste.composite_factory = testmw:mount\nset z = 3\n/ = incpipe\n[pipeline:incpipe]\nset y = 2\npipeline = a py pyapp\n" + goFilters,
	})
	path := filepath.Join(dir, "api.ini")
	n, err := (&resolve.Resolver{Registry: reg}).Resolve(path, "main", plan.TypeApp, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{calls: &calls}
	if _, err := (Options{Foreign: rec, File: path}).Handler(n, reg); err != nil {
		t.Fatal(err)
	}
	tails, err := Options{File: path}.Tails(n, reg)
	if err != nil {
		t.Fatal(err)
	}
	if len(tails) != 1 || len(rec.tails) != 1 {
		t.Fatalf("Tails %d, Handler %d", len(tails), len(rec.tails))
	}
	got, built := tails[0], rec.tails[0]
	incmain := n.Children["/v1"]
	incpipe := incmain.Children["/"]
	if got.File != filepath.Join(dir, "inc.ini") || form(got) != "py app:pyapp" || !cmp.Equal(got.Global, incpipe.Global) || !cmp.Equal(got.Defaults, n.Global) {
		t.Errorf("tail %q in %s, global %v, defaults %v;\nwant incpipe's global %v, defaults main's %v", form(got), got.File, got.Global, got.Defaults, incpipe.Global, n.Global)
	}
	if got.File != built.File || form(got) != form(built) || !cmp.Equal(got.Global, built.Global) || !cmp.Equal(got.Defaults, built.Defaults) {
		t.Errorf("Handler asked for %q in %s, global %v, defaults %v; Tails lists %q in %s, global %v, defaults %v",
			form(built), built.File, built.Global, built.Defaults, form(got), got.File, got.Global, got.Defaults)
	}
}

// What cannot be split stays an error: a reference registered as
// another kind of object, in front of a tail or as the whole chain
// (inside a tail Python loads it, and answers for it), and a reference
// only Go knows (egg:pasteserve#NAME) after the split, which Python
// would run. Foreign's error is placed at the tail's first element.
func TestSplitErrors(t *testing.T) {
	_, _, _, err := splitPlan(t, "[pipeline:main]\npipeline = a appasfilter py pyapp\n[filter:appasfilter]\nuse = egg:pasteserve#echo-trace\n"+goFilters, nil, &recorder{})
	if err == nil || !strings.Contains(err.Error(), "api.ini:4:7: [filter:appasfilter]: egg:pasteserve#echo-trace is registered as a app") {
		t.Errorf("misused reference in front of a tail: %v", err)
	}
	_, _, _, err = splitPlan(t, "[app:main]\nuse = egg:pasteserve#tag\n", nil, &recorder{})
	if err == nil || !strings.Contains(err.Error(), "registered as a filter") {
		t.Errorf("misused reference: %v", err)
	}

	_, _, _, err = splitPlan(t, "[pipeline:main]\npipeline = a py ga pyapp\n[filter:ga]\nuse = egg:pasteserve#counted\n"+goFilters, nil, &recorder{})
	if err == nil || !strings.Contains(err.Error(), `api.ini:4:7: [filter:ga]: egg:pasteserve#counted is pasteserve's own reference, which Python's PasteDeploy cannot resolve, but it comes after myproject.middleware:Thing.factory`) {
		t.Errorf("a Go-only reference after the split: %v", err)
	}
	_, _, _, err = splitPlan(t, "[composite:main]\npaste.composite_factory = testmw:mount\n/ = a py ga pyapp\n[filter:ga]\nuse = egg:pasteserve#counted\n"+goFilters, nil, &recorder{})
	if err == nil || !strings.Contains(err.Error(), `api.ini:5:7: [filter:ga]: egg:pasteserve#counted is pasteserve's own reference`) {
		t.Errorf("a Go-only reference after the split of an inline pipeline: %v", err)
	}

	_, _, _, err = splitPlan(t, "[pipeline:main]\npipeline = oa py goapp\n[filter:oa]\npaste.filter_factory = oslo_middleware:Tag.factory\n"+goFilters, nil, &recorder{fail: errors.New("ImportError: No module named 'myproject'")})
	if err == nil || !strings.Contains(err.Error(), "api.ini:11:1: [filter:py] (myproject.middleware:Thing.factory): ImportError: No module named 'myproject'") {
		t.Errorf("Foreign's error: %v", err)
	}
}

// Python resolves only what it runs, so what Go runs in front of a
// tail may be a reference to pasteserve's own namespace, which no
// Python distribution has: in a pipeline, in filter-with, and in a
// composite's inline pipeline, whose Python part may begin anywhere.
func TestGoOnlyInFrontOfATail(t *testing.T) {
	const ga = "[filter:ga]\nuse = egg:pasteserve#counted\nname = ga\n"
	for _, tc := range []struct{ name, src, body string }{
		{"pipeline", "[pipeline:main]\npipeline = ga py pyapp\n", "python main/1 ga"},
		{"filter-with", "[app:main]\npaste.app_factory = myproject.api:app_factory\nfilter-with = ga\n", "python main/1 ga"},
		{"inline pipeline", "[composite:main]\npaste.composite_factory = testmw:mount\n/ = ga a py pyapp\n", "python ga a py pyapp/2 ga,a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, _, _, err := splitPlan(t, tc.src+ga+goFilters, nil, &recorder{})
			if err != nil {
				t.Fatal(err)
			}
			if got := body(t, h, "/"); got != tc.body {
				t.Errorf("body %q, want %q", got, tc.body)
			}
		})
	}
}

// Without a Foreign, a reference with no Go factory is an error that
// says how to run it in Python.
func TestNoForeignNamesPython(t *testing.T) {
	_, err := buildFile(t, "[app:main]\npaste.app_factory = myproject.api:app_factory\n")
	if err == nil || !strings.HasSuffix(err.Error(), "; to run it in Python, give --python /usr/bin/python3 (docs/python.md)") {
		t.Errorf("error: %v", err)
	}
	_, err = buildFile(t, "[app:main]\nuse = egg:pasteserve#tag\n")
	if err == nil || strings.Contains(err.Error(), "--python") {
		t.Errorf("a misused reference is no case for Python: %v", err)
	}
}
