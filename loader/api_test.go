package loader

import (
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/plan"
)

// Checklist items about PasteDeploy's API and factory calling, in their
// Go form.

func TestObjectTypes(t *testing.T) {
	// 1: loadapp, loadfilter, loadserver are Resolve with TypeApp,
	// TypeFilter, TypeServer; appconfig is the Local/Global of the result
	// (71, and pasteserve config).
	runResolveCases(t, []resolveCase{
		{id: "1 71 app", files: map[string]string{"api.ini": "[app:main]\nuse = egg:P#a\nk = v\n"}, expr: "egg:P#a", local: map[string]string{"k": "v"}},
		{id: "1 filter", files: map[string]string{"api.ini": "[filter:main]\nuse = egg:P#f\nk = v\n"}, typ: plan.TypeFilter, expr: "egg:P#f", local: map[string]string{"k": "v"}},
		{id: "1 server", files: map[string]string{"api.ini": "[server:main]\nuse = egg:Paste#http\nport = 8080\n"}, typ: plan.TypeServer, expr: "egg:Paste#http", local: map[string]string{"port": "8080"}},
		{id: "1 server is not found as an app", files: map[string]string{"api.ini": "[server:main]\nuse = egg:Paste#http\n"}, err: `no app named "main"`},
	})
}

func TestConfigPath(t *testing.T) {
	// 6, 7: relative paths need a directory; backslashes, "///",
	// percent-escapes and surrounding space.
	if _, err := configPath("relative.ini", ""); err == nil || !strings.Contains(err.Error(), "cannot resolve relative URI") {
		t.Errorf("6: relative without a directory: %v", err)
	}
	for _, tc := range []struct{ path, rel, want string }{
		{`sub\x.ini`, "/etc/app", "/etc/app/sub/x.ini"},
		{"x.ini", "/etc/app/", "/etc/app/x.ini"},
		{"///abs/x.ini", "/etc", "/abs/x.ini"},
		{"inc%32.ini", "/d", "/d/inc2.ini"},
		{"sub/../x.ini", "/d", "/d/sub/../x.ini"},
		{"x.ini  ", "/d", "/d/x.ini"},
	} {
		if got, err := configPath(tc.path, tc.rel); err != nil || got != tc.want {
			t.Errorf("7: configPath(%q, %q) = %q, %v; want %q", tc.path, tc.rel, got, err, tc.want)
		}
	}
}

func TestParseURI(t *testing.T) {
	// 2-5, 14: scheme, fragment, name argument, default name.
	for _, tc := range []struct{ uri, name, wantScheme, wantName, err string }{
		{"config:api.ini", "", "config", "main", ""},
		{"config:api.ini#other", "", "config", "other", ""},
		{"config:api.ini#ignored", "main", "config", "main", ""},
		{"CONFIG:api.ini", "", "config", "main", ""},
		{"api.ini", "", "", "", "URI has no scheme"},
		{"file:api.ini", "", "", "", `URI scheme not known: "file"`},
		{"call:nomodule", "", "", "", "call:module:function"},
		{"config:api.ini#", "", "", "", "empty object"},
	} {
		u, err := parseURI(tc.uri, tc.name)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseURI(%q) error = %v, want %q", tc.uri, err, tc.err)
			}
			continue
		}
		if err != nil || u.scheme != tc.wantScheme || u.name != tc.wantName {
			t.Errorf("parseURI(%q, %q) = %+v, %v", tc.uri, tc.name, u, err)
		}
	}
}

func TestCallProtocolFromSection(t *testing.T) {
	// 15, 16: a call: reference has no protocol of its own; the using
	// section's kind gives it.
	for kind, want := range map[string]plan.Protocol{"app": plan.ProtoApp, "application": plan.ProtoApp, "composite": plan.ProtoComposite,
		"composit": plan.ProtoComposite, "filter": plan.ProtoFilter, "server": plan.ProtoServer, "filter-app": "paste.filter-app_factory"} {
		if got := protocolFromKind(kind); got != want {
			t.Errorf("16: protocolFromKind(%q) = %q, want %q", kind, got, want)
		}
	}
	dir := files(t, map[string]string{"api.ini": "[composite:main]\nuse = call:m:f\n"})
	n, err := (&Resolver{}).Resolve(filepath.Join(dir, "api.ini"), "main", plan.TypeApp, nil)
	if err != nil || n.Protocol != plan.ProtoComposite {
		t.Errorf("15: call: in [composite:] has protocol %q (%v)", n.Protocol, err)
	}
}

func TestRegistryKinds(t *testing.T) {
	app := func(*Config) (http.Handler, error) { return http.NotFoundHandler(), nil }
	filter := func(*Config) (Middleware, error) { return func(h http.Handler) http.Handler { return h }, nil }
	r := &Registry{}
	r.Register(Factory{Name: "a", Kind: KindApp, App: app, Aliases: []string{"egg:Dist#x"}})
	// 12: the same reference may be an app and a filter.
	r.Register(Factory{Name: "f", Kind: KindFilter, Filter: filter, Aliases: []string{"egg:dist#x"}})
	// 10: distribution names are case-insensitive, entry points exact,
	// #main the default.
	if f, ok := r.Lookup("egg:DIST#x", plan.TypeApp); !ok || f.Name != "a" {
		t.Errorf("10: lookup egg:DIST#x as app = %v", f)
	}
	if f, ok := r.Lookup("egg:dist#x", plan.TypeFilter); !ok || f.Name != "f" {
		t.Errorf("12: lookup egg:dist#x as filter = %v", f)
	}
	if _, ok := r.Lookup("egg:Dist#X", plan.TypeApp); ok {
		t.Errorf("10: entry points must match exactly")
	}
	r.Register(Factory{Name: "m", Kind: KindApp, App: app, Aliases: []string{"egg:Other"}})
	if f, ok := r.Lookup("egg:other#main", plan.TypeApp); !ok || f.Name != "m" {
		t.Errorf("10: #main default: %v", f)
	}
	// 11: an app and a composite under one reference are ambiguous:
	// Register refuses the second.
	defer func() {
		if p := recover(); p == nil || !strings.Contains(p.(string), "already registered") {
			t.Errorf("11: registering egg:Dist#x as a composite too: panic %v", p)
		}
	}()
	r.Register(Factory{Name: "c", Kind: KindComposite, Aliases: []string{"egg:Dist#x"},
		Composite: func(Loader, *Config) (http.Handler, error) { return nil, nil }})
}

func TestRegistryErrors(t *testing.T) {
	// 13: a reference with no factory, and one of the wrong kind.
	r := &Registry{}
	r.Register(Factory{Name: "cors", Kind: KindFilter, Filter: func(*Config) (Middleware, error) { return nil, nil }})
	if _, err := r.lookup("egg:pasteserve#corz", plan.TypeFilter); err == nil || !strings.Contains(err.Error(), "nearest registered: egg:pasteserve#cors") {
		t.Errorf("13: %v", err)
	}
	if _, err := r.lookup("egg:pasteserve#cors", plan.TypeApp); err == nil || !strings.Contains(err.Error(), "registered as a filter") {
		t.Errorf("13: %v", err)
	}
	for _, bad := range []Factory{{Kind: KindApp}, {Name: "x", Kind: KindFilter}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%+v) did not panic", bad)
				}
			}()
			r.Register(bad)
		}()
	}
}

// TestCreationOrder covers 67-70: the order factories are called in, what
// they get, and how their errors are reported.
func TestCreationOrder(t *testing.T) {
	var calls []string
	reg := &Registry{}
	reg.Register(Factory{Name: "app", Kind: KindApp, App: func(cfg *Config) (http.Handler, error) {
		calls = append(calls, "app:"+cfg.String("id", ""))
		if cfg.String("fail", "") != "" {
			return nil, errors.New("database unreachable")
		}
		return http.NotFoundHandler(), nil
	}})
	reg.Register(Factory{Name: "filt", Kind: KindFilter, Filter: func(cfg *Config) (Middleware, error) {
		calls = append(calls, "filter:"+cfg.String("id", ""))
		return func(h http.Handler) http.Handler { return h }, nil
	}})
	const sections = "[app:app]\nuse = egg:pasteserve#app\nid = app\n[filter:f1]\nuse = egg:pasteserve#filt\nid = f1\n[filter:f2]\nuse = egg:pasteserve#filt\nid = f2\n"
	for _, tc := range []struct{ name, src, want string }{
		{"67 68 69 pipeline: app, then filters left to right; factories get their config and filters return middleware", "[pipeline:main]\npipeline = f1 f2 app\n", "app:app filter:f1 filter:f2"},
		{"67 filter-app: next, then the filter", "[filter-app:main]\nuse = f1\nnext = app\n", "app:app filter:f1"},
		{"67 filter-with: the filter, then the app", "[app:main]\nuse = app\nfilter-with = f1\n", "filter:f1 app:app"},
	} {
		calls = nil
		dir := files(t, map[string]string{"api.ini": tc.src + sections})
		n, err := (&Resolver{Registry: reg}).Resolve(filepath.Join(dir, "api.ini"), "main", plan.TypeApp, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Build(n, reg); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(calls, " "); got != tc.want {
			t.Errorf("%s: calls %q, want %q", tc.name, got, tc.want)
		}
	}
	// 70: a factory's error is reported with the section and reference
	// it was called for (PasteDeploy annotates TypeErrors with the
	// signature; Go checks signatures at compile time).
	dir := files(t, map[string]string{"api.ini": "[app:main]\nuse = egg:pasteserve#app\nfail = yes\n"})
	n, _ := (&Resolver{Registry: reg}).Resolve(filepath.Join(dir, "api.ini"), "main", plan.TypeApp, nil)
	if _, err := Build(n, reg); err == nil || !strings.Contains(err.Error(), "api.ini:1:1: [app:main] (egg:pasteserve#app): database unreachable") {
		t.Errorf("70: %v", err)
	}
}

// A built-in reference that is not registered is a missing blank import,
// and the error says which; it suggests no nearest name. Other
// references keep the nearest-name suggestion.
func TestMissingBuiltinNamesTheImport(t *testing.T) {
	old := Default
	Default = &Registry{}
	defer func() { Default = old }()
	// Registered, and near egg:Paste#urlmap: the old message suggested it.
	Default.Register(Factory{Name: "urlmapper", Aliases: []string{"egg:Paste#urlmaps"}, Kind: KindApp, App: func(*Config) (http.Handler, error) { return nil, nil }})
	_, err := Default.lookup("egg:Paste#urlmap", plan.TypeApp)
	want := `no factory is registered for egg:Paste#urlmap; pasteserve's built-in factory for it is registered by package github.com/pasteserve/pasteserve/apps: add import _ "github.com/pasteserve/pasteserve/apps"`
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "nearest") {
		t.Errorf("lookup of an unimported built-in app:\n%v\nwant %s", err, want)
	}
	_, err = Default.lookup("oslo_middleware:RequestId.factory", plan.TypeFilter)
	if err == nil || !strings.Contains(err.Error(), `add import _ "github.com/pasteserve/pasteserve/filters"`) {
		t.Errorf("lookup of an unimported built-in filter: %v", err)
	}
	_, err = Default.lookup("egg:Paste#urlmapz", plan.TypeApp)
	if err == nil || !strings.Contains(err.Error(), "nearest registered: egg:paste#urlmaps") || strings.Contains(err.Error(), "import _") {
		t.Errorf("lookup of a misspelt reference: %v", err)
	}
	// Another registry than Default is not filled by imports.
	if _, err := (&Registry{}).lookup("egg:Paste#urlmap", plan.TypeApp); err == nil || strings.Contains(err.Error(), "import _") {
		t.Errorf("lookup in a registry of one's own: %v", err)
	}
}
