package loader

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
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
