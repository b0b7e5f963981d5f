package loader_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pasteserve/pasteserve/build"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/resolve"
)

// PasteDeploy's own test suite (spec §9), ported: the sample configs in
// testdata/paste/corpus/pastedeploy-tests loaded with Go stand-ins for
// its FakeApp distribution.

// namedApp stands for FakeApp's module-level apps basic_app and
// basic_app2, so tests can tell which one they got.
type namedApp string

func (namedApp) ServeHTTP(http.ResponseWriter, *http.Request) {}

// simpleApp is FakeApp's SimpleApp: it records the configuration its
// factory got.
type simpleApp struct{ local, global map[string]string }

func (*simpleApp) ServeHTTP(http.ResponseWriter, *http.Request) {}

// capFilter is FakeApp's CapFilter.
type capFilter struct {
	app    http.Handler
	method string
}

func (*capFilter) ServeHTTP(http.ResponseWriter, *http.Request) {}

// remoteAddrDispatch is FakeApp's RemoteAddrDispatch.
type remoteAddrDispatch struct{ m map[string]http.Handler }

func (*remoteAddrDispatch) ServeHTTP(http.ResponseWriter, *http.Request) {}

func fakeAppRegistry() *factory.Registry {
	r := &factory.Registry{}
	app := func(name string, h http.Handler, aliases ...string) {
		r.Register(factory.Factory{Name: name, Namespace: "pasteserve", Kind: factory.KindApp, Aliases: aliases,
			App: func(*factory.Config) (http.Handler, error) { return h, nil }})
	}
	app("fake-basic", namedApp("basic_app"), "egg:FakeApp#basic_app", "call:fakeapp.apps:make_basic_app")
	app("fake-other", namedApp("basic_app2"), "egg:FakeApp#other", "call:fakeapp.apps:make_basic_app2")
	r.Register(factory.Factory{Name: "fake-configed", Namespace: "pasteserve", Kind: factory.KindApp,
		Aliases: []string{"egg:FakeApp#configed", "fakeapp.configapps:SimpleApp.make_app"},
		App: func(cfg *factory.Config) (http.Handler, error) {
			return &simpleApp{cfg.Local, cfg.Global}, nil
		}})
	caps := func(cfg *factory.Config) (factory.Middleware, error) {
		method := cfg.String("method_to_call", "upper")
		return func(h http.Handler) http.Handler { return &capFilter{h, method} }, nil
	}
	r.Register(factory.Factory{Name: "fake-caps", Namespace: "pasteserve", Kind: factory.KindFilter, Aliases: []string{"egg:FakeApp#caps"}, Filter: caps})
	r.Register(factory.Factory{Name: "fake-caps2", Namespace: "pasteserve", Kind: factory.KindFilter, Aliases: []string{"egg:FakeApp#caps2"}, Filter: caps})
	children := func(cfg *factory.Config) map[string]string {
		kids := map[string]string{}
		for k, v := range cfg.Local {
			if strings.HasPrefix(k, "app.") {
				kids[k] = v
			}
		}
		return kids
	}
	r.Register(factory.Factory{Name: "fake-remote-addr", Namespace: "pasteserve", Kind: factory.KindComposite, Children: children,
		Aliases: []string{"egg:FakeApp#remote_addr", "call:fakeapp.apps:make_remote_addr"},
		Composite: func(l factory.Loader, cfg *factory.Config) (http.Handler, error) {
			d := &remoteAddrDispatch{m: map[string]http.Handler{}}
			for k, name := range children(cfg) {
				h, err := l.GetApp(name)
				if err != nil {
					return nil, err
				}
				d.m[cfg.Local["addr."+strings.TrimPrefix(k, "app.")]] = h
			}
			return d, nil
		}})
	return r
}

const sampleDir = "../testdata/paste/corpus/pastedeploy-tests"

func loadSample(t *testing.T, file, name string, global map[string]string) (http.Handler, *plan.Node, error) {
	t.Helper()
	reg := fakeAppRegistry()
	r := &resolve.Resolver{Registry: reg}
	n, err := r.Resolve(filepath.Join(sampleDir, file), name, plan.TypeApp, global)
	if err != nil {
		return nil, nil, err
	}
	h, err := build.Handler(n, reg)
	return h, n, err
}

func mustLoad(t *testing.T, file, name string, global map[string]string) (http.Handler, *plan.Node) {
	t.Helper()
	h, n, err := loadSample(t, file, name, global)
	if err != nil {
		t.Fatalf("%s#%s: %v", file, name, err)
	}
	return h, n
}

// test_basic_app.py and test_config.py::test_main/test_other/test_composit
// (the egg: and the call: versions of the same file).
func TestPasteDeployBasicApp(t *testing.T) {
	for _, file := range []string{"basic_app.ini", "test_func.ini"} {
		t.Run(file, func(t *testing.T) {
			if h, _ := mustLoad(t, file, "main", nil); h != namedApp("basic_app") {
				t.Errorf("main = %v, want basic_app", h)
			}
			if h, _ := mustLoad(t, file, "other", nil); h != namedApp("basic_app2") {
				t.Errorf("other = %v, want basic_app2", h)
			}
			h, _ := mustLoad(t, file, "remote_addr", nil)
			d, ok := h.(*remoteAddrDispatch)
			if !ok {
				t.Fatalf("remote_addr = %T, want the dispatch composite", h)
			}
			want := map[string]http.Handler{"127.0.0.1": namedApp("basic_app"), "0.0.0.0": namedApp("basic_app2")}
			if diff := cmp.Diff(want, d.m); diff != "" {
				t.Errorf("remote_addr map (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPasteDeployConfig(t *testing.T) {
	cp, _ := filepath.Abs(sampleDir)
	f := filepath.Join(cp, "test_config.ini")
	base := map[string]string{"def1": "a", "def2": "b", "basepath": cp, "here": cp, "__file__": f}
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	tests := []struct {
		name          string
		global        map[string]string
		local, wantGC map[string]string
	}{
		{"test1", nil, map[string]string{"setting1": "foo", "setting2": "bar", "apppath": cp + "/app"}, base},
		{"test2", nil, map[string]string{"local conf": "something"}, with(map[string]string{"def1": "test2", "another": "TEST"})},
		{"test3", nil, map[string]string{"local conf": "something", "another": "something more\nacross several\nlines"},
			with(map[string]string{"def1": "test3", "another": "TEST"})},
		{"test_foreign_config", nil, map[string]string{"another": "FOO", "bob": "your uncle"},
			with(map[string]string{"def3": "c", "glob": "override"})},
		{"test_get", nil, map[string]string{"def1": "a", "foo": "TEST"}, with(map[string]string{"def2": "TEST"})},
		{"test_global_conf", map[string]string{"def2": "TEST DEF 2", "inherit": "bazbar"},
			map[string]string{"test_interp": "this:bazbar"}, with(map[string]string{"def2": "TEST DEF 2", "inherit": "bazbar"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := mustLoad(t, "test_config.ini", tt.name, tt.global)
			app, ok := h.(*simpleApp)
			if !ok {
				t.Fatalf("got %T, want SimpleApp", h)
			}
			if diff := cmp.Diff(tt.local, app.local); diff != "" {
				t.Errorf("local_conf (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantGC, app.global); diff != "" {
				t.Errorf("global_conf (-want +got):\n%s", diff)
			}
		})
	}
	// test_config2 re-runs test_config1: loading must not mutate shared
	// state.
	h, _ := mustLoad(t, "test_config.ini", "test1", nil)
	if diff := cmp.Diff(base, h.(*simpleApp).global); diff != "" {
		t.Errorf("test1 after the others (-want +got):\n%s", diff)
	}
}

// test_config.py::test_interpolate_exception: the error names the file;
// pasteserve also gives the line and column.
func TestPasteDeployInterpolationError(t *testing.T) {
	_, _, err := loadSample(t, "test_error.ini", "main", nil)
	if err == nil || !strings.Contains(err.Error(), "test_error.ini:") || !strings.Contains(err.Error(), "%(does_not_exist)s") {
		t.Fatalf("error = %v", err)
	}
}

func TestPasteDeployFilters(t *testing.T) {
	check := func(name, method string) {
		t.Helper()
		h, _ := mustLoad(t, "test_filter.ini", name, nil)
		f, ok := h.(*capFilter)
		if !ok || f.method != method || f.app != namedApp("basic_app") {
			t.Errorf("%s = %#v, want CapFilter(%s) around basic_app", name, h, method)
		}
	}
	check("filt", "lower")
	check("piped", "upper")
	check("filt2", "lower")
	check("piped2", "upper")
	check("inv", "upper")
	_, _, err := loadSample(t, "test_filter.ini", "piped3", nil)
	if err == nil || !strings.Contains(err.Error(), "settings a pipeline does not take: extra_config_option") {
		t.Errorf("piped3: %v (test_bad_pipeline)", err)
	}
}

func TestPasteDeployFilterWith(t *testing.T) {
	h, n := mustLoad(t, "test_filter_with.ini", "main", nil)
	outer, ok := h.(*capFilter)
	if !ok {
		t.Fatalf("got %T", h)
	}
	inner, ok := outer.app.(*capFilter)
	if !ok || inner.app != namedApp("basic_app") {
		t.Fatalf("want CapFilter(CapFilter(basic_app)), got %#v", outer)
	}
	// test_appconfig_filter_with: the app's configuration has example.
	for n.Kind == plan.NodeFilterWith {
		n = n.App
	}
	if n.Local["example"] != "test" {
		t.Errorf("local conf = %v, want example = test", n.Local)
	}
}
