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
	if tl.File != path || tl.Name != "main" || tl.Skip != 1 || tl.Global != nil || tl.Root.Section != "pipeline:main" ||
		fmt.Sprint(sections) != "[filter:py filter:b app:pyapp]" {
		t.Errorf("tail %+v, sections %v", tl, sections)
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

// What cannot be split stays an error: a reference registered as
// another kind of object, in front of a tail or as the whole chain
// (inside a tail Python loads it, and answers for it), and a Python filter in a composite's inline
// pipeline before its app (it has no name to load it by). Foreign's
// error is placed at the tail's first element.
func TestSplitErrors(t *testing.T) {
	_, _, _, err := splitPlan(t, "[pipeline:main]\npipeline = a appasfilter py pyapp\n[filter:appasfilter]\nuse = egg:pasteserve#echo-trace\n"+goFilters, nil, &recorder{})
	if err == nil || !strings.Contains(err.Error(), "api.ini:4:7: [filter:appasfilter]: egg:pasteserve#echo-trace is registered as a app") {
		t.Errorf("misused reference in front of a tail: %v", err)
	}
	_, _, _, err = splitPlan(t, "[app:main]\nuse = egg:pasteserve#tag\n", nil, &recorder{})
	if err == nil || !strings.Contains(err.Error(), "registered as a filter") {
		t.Errorf("misused reference: %v", err)
	}

	_, _, _, err = splitPlan(t, "[composite:main]\npaste.composite_factory = testmw:mount\n/ = a py pyapp\n/v1 = a pyapp\n"+goFilters, nil, &recorder{})
	if err == nil || !strings.Contains(err.Error(), `api.ini:3:1: myproject.middleware:Thing.factory has no Go factory`) || !strings.Contains(err.Error(), `"a py pyapp", a composite's inline pipeline`) {
		t.Errorf("inline pipeline: %v", err)
	}
	rec := &recorder{}
	h, _, _, err := splitPlan(t, "[composite:main]\npaste.composite_factory = testmw:mount\n/ = a pyapp\n"+goFilters, nil, rec)
	if err != nil || body(t, h, "/") != "python pyapp/0 a" {
		t.Errorf("inline pipeline with a Python app: %v", err)
	}
	// Python loads such an app alone, so the inline filters in front
	// of it may be Go's own.
	h, _, _, err = splitPlan(t, "[composite:main]\npaste.composite_factory = testmw:mount\n/ = ga pyapp\n[filter:ga]\nuse = egg:pasteserve#counted\nname = ga\n"+goFilters, nil, &recorder{})
	if err != nil || body(t, h, "/") != "python pyapp/0 ga" {
		t.Errorf("inline pipeline with a Go-only filter and a Python app: %v", err)
	}

	// Python resolves the whole chain it loads the tail from: a
	// reference to pasteserve's own namespace, in front of the tail or
	// in it, is one it cannot resolve.
	_, _, _, err = splitPlan(t, "[pipeline:main]\npipeline = ga py pyapp\n[filter:ga]\nuse = egg:pasteserve#counted\n"+goFilters, nil, &recorder{})
	if err == nil || !strings.Contains(err.Error(), `api.ini:4:7: [filter:ga]: egg:pasteserve#counted is pasteserve's own reference, which Python's PasteDeploy cannot resolve, and the Python workers resolve every element of "main"`) {
		t.Errorf("a Go-only reference in the chain: %v", err)
	}

	_, _, _, err = splitPlan(t, "[pipeline:main]\npipeline = oa py goapp\n[filter:oa]\npaste.filter_factory = oslo_middleware:Tag.factory\n"+goFilters, nil, &recorder{fail: errors.New("ImportError: No module named 'myproject'")})
	if err == nil || !strings.Contains(err.Error(), "api.ini:11:1: [filter:py] (myproject.middleware:Thing.factory): ImportError: No module named 'myproject'") {
		t.Errorf("Foreign's error: %v", err)
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
