package factory

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/plan"
)

// Factories lists factories of the same name (healthcheck is an app and
// a filter) by kind, whatever else is registered and in whatever order:
// pasteserve factories prints that list, and it must not change when
// packages of built-ins register in another order.
func TestFactoriesSameNameByKind(t *testing.T) {
	app := func(*Config) (http.Handler, error) { return http.NotFoundHandler(), nil }
	filter := func(*Config) (Middleware, error) { return func(h http.Handler) http.Handler { return h }, nil }
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 100 {
		// About as many factories as pasteserve's built-ins, their names
		// in no order, as packages' init functions register them.
		names := make([]string, rng.IntN(120))
		for i := range names {
			names[i] = fmt.Sprintf("f%03d", i)
		}
		rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		r := &Registry{}
		at := rng.IntN(len(names) + 1)
		for i, name := range names {
			if i == at {
				r.Register(Factory{Name: "hc", Kind: KindFilter, Filter: filter})
			}
			r.Register(Factory{Name: name, Kind: KindApp, App: app})
		}
		if at == len(names) {
			r.Register(Factory{Name: "hc", Kind: KindFilter, Filter: filter})
		}
		r.Register(Factory{Name: "hc", Kind: KindApp, App: app})
		var kinds []Kind
		for _, f := range r.Factories() {
			if f.Name == "hc" {
				kinds = append(kinds, f.Kind)
			}
		}
		if len(kinds) != 2 || kinds[0] != KindApp || kinds[1] != KindFilter {
			t.Fatalf("trial %d (%d other factories): the two hc factories are listed as %v, want app, filter", trial, len(names), kinds)
		}
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
	r.Register(Factory{Name: "cors", Namespace: "pasteserve", Kind: KindFilter, Filter: func(*Config) (Middleware, error) { return nil, nil }})
	if _, err := r.Find("egg:pasteserve#corz", plan.TypeFilter); err == nil || !strings.Contains(err.Error(), "nearest registered: egg:pasteserve#cors") {
		t.Errorf("13: %v", err)
	}
	if _, err := r.Find("egg:pasteserve#cors", plan.TypeApp); err == nil || !strings.Contains(err.Error(), "registered as a filter") {
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

// A built-in reference that is not registered is a missing blank import,
// and the error says which; it suggests no nearest name. Other
// references keep the nearest-name suggestion.
func TestMissingBuiltinNamesTheImport(t *testing.T) {
	old := Default
	Default = &Registry{}
	defer func() { Default = old }()
	// Registered, and near egg:Paste#urlmap: the old message suggested it.
	Default.Register(Factory{Name: "urlmapper", Aliases: []string{"egg:Paste#urlmaps"}, Kind: KindApp, App: func(*Config) (http.Handler, error) { return nil, nil }})
	_, err := Default.Find("egg:Paste#urlmap", plan.TypeApp)
	want := `no factory is registered for egg:Paste#urlmap; pasteserve's built-in factory for it is registered by package github.com/pasteserve/pasteserve/builtin: add import _ "github.com/pasteserve/pasteserve/builtin"`
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "nearest") {
		t.Errorf("lookup of an unimported built-in app:\n%v\nwant %s", err, want)
	}
	_, err = Default.Find("oslo_middleware:RequestId.factory", plan.TypeFilter)
	if err == nil || !strings.Contains(err.Error(), `add import _ "github.com/pasteserve/pasteserve/builtin"`) {
		t.Errorf("lookup of an unimported built-in filter: %v", err)
	}
	_, err = Default.Find("egg:Paste#urlmapz", plan.TypeApp)
	if err == nil || !strings.Contains(err.Error(), "nearest registered: egg:paste#urlmaps") || strings.Contains(err.Error(), "import _") {
		t.Errorf("lookup of a misspelt reference: %v", err)
	}
	// Another registry than Default is not filled by imports.
	if _, err := (&Registry{}).Find("egg:Paste#urlmap", plan.TypeApp); err == nil || strings.Contains(err.Error(), "import _") {
		t.Errorf("lookup in a registry of one's own: %v", err)
	}
}
