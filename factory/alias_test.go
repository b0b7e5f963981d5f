package factory

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/plan"
)

func TestRegistryAlias(t *testing.T) {
	app := func(*Config) (http.Handler, error) { return http.NotFoundHandler(), nil }
	filter := func(*Config) (Middleware, error) { return func(h http.Handler) http.Handler { return h }, nil }
	r := &Registry{}
	// Before the factory is registered: kept until it is.
	r.Alias("hc", KindFilter, "mod:Healthcheck.factory")
	if _, ok := r.Lookup("mod:Healthcheck.factory", plan.TypeFilter); ok {
		t.Errorf("an alias of a factory not yet registered resolves")
	}
	r.Register(Factory{Name: "hc", Namespace: "pasteserve", Kind: KindApp, App: app, Aliases: []string{"egg:Dist#hc"}})
	if _, ok := r.Lookup("mod:Healthcheck.factory", plan.TypeFilter); ok {
		t.Errorf("the alias of the filter went to the app of the same name")
	}
	r.Register(Factory{Name: "hc", Namespace: "pasteserve", Kind: KindFilter, Filter: filter, Aliases: []string{"egg:Dist#hc"}})
	if f, ok := r.Lookup("mod:Healthcheck.factory", plan.TypeFilter); !ok || f.Name != "hc" || f.Kind != KindFilter {
		t.Errorf("alias before Register: %v %v", f, ok)
	}
	// After: at once; both listed in Aliases.
	r.Alias("hc", KindApp, "mod:Healthcheck.app_factory", "call:mod:make_hc")
	if f, ok := r.Lookup("call:mod:make_hc", plan.TypeApp); !ok || f.Kind != KindApp {
		t.Errorf("alias after Register: %v %v", f, ok)
	}
	for _, f := range r.Factories() {
		want := map[Kind]string{KindApp: "egg:Dist#hc mod:Healthcheck.app_factory call:mod:make_hc", KindFilter: "egg:Dist#hc mod:Healthcheck.factory"}[f.Kind]
		if got := strings.Join(f.Aliases, " "); got != want {
			t.Errorf("%s %s: Aliases %q, want %q", f.Kind, f.Name, got, want)
		}
	}
	defer func() {
		if p := recover(); p == nil || !strings.Contains(p.(string), `Alias("hc"): egg:Dist#hc is already registered by "hc"`) {
			t.Errorf("aliasing a taken reference: panic %v", p)
		}
	}()
	r.Alias("hc", KindFilter, "egg:Dist#hc")
}
