package factory

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/plan"
)

const thisPackage = "github.com/pasteserve/pasteserve/factory"

func stampFactory(name string) Factory {
	return Factory{Name: name, Kind: KindFilter, Filter: func(*Config) (Middleware, error) {
		return func(h http.Handler) http.Handler { return h }, nil
	}}
}

func wantPanic(t *testing.T, what string, f func(), want ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		p := recover()
		msg, _ := p.(string)
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: panic %q, want it to contain %q", what, msg, w)
			}
		}
	}()
	f()
}

// A factory registered by any package but builtin answers under that
// package's path, not egg:pasteserve#: a plugin's names cannot clash
// with a built-in's, nor be taken by a future one.
func TestNamespaceIsTheRegisteringPackage(t *testing.T) {
	r := &Registry{}
	r.Register(stampFactory("stamp"))
	f, ok := r.Lookup("egg:"+thisPackage+"#stamp", plan.TypeFilter)
	if !ok || f.Namespace != thisPackage || f.Package() != thisPackage || f.Reference() != "egg:"+thisPackage+"#stamp" {
		t.Fatalf("Lookup(egg:%s#stamp) = %+v, %v", thisPackage, f, ok)
	}
	if _, ok := r.Lookup("egg:pasteserve#stamp", plan.TypeFilter); ok {
		t.Errorf("a plugin's factory answers to egg:pasteserve#stamp")
	}
	// A built-in of the same name, registered by builtin, beside it.
	r.register(stampFactory("stamp"), builtinPackage)
	b, ok := r.Lookup("egg:pasteserve#stamp", plan.TypeFilter)
	if !ok || b == f || b.Namespace != "pasteserve" || b.Package() != builtinPackage {
		t.Errorf("the built-in stamp: %+v, %v", b, ok)
	}
	// A namespace of the plugin's choosing.
	own := stampFactory("stamp")
	own.Namespace = "mycompany"
	r.register(own, "example.com/mycompany/stamp")
	if f, ok := r.Lookup("egg:MyCompany#stamp", plan.TypeFilter); !ok || f.Package() != "example.com/mycompany/stamp" {
		t.Errorf("egg:mycompany#stamp: %+v, %v", f, ok)
	}
	// Alias finds a plugin's factory by its reference, a built-in's by
	// its name, whichever is registered first.
	r.Alias("egg:mycompany#stamp", KindFilter, "mycompany.wsgi:Stamp.factory")
	r.Alias("stamp", KindFilter, "oslo_middleware:Stamp.factory")
	r.Alias("egg:mycompany#later", KindFilter, "mycompany.wsgi:Later.factory")
	later := stampFactory("later")
	later.Namespace = "mycompany"
	r.register(later, "example.com/mycompany/stamp")
	for ref, want := range map[string]string{
		"mycompany.wsgi:Stamp.factory":  "egg:mycompany#stamp",
		"oslo_middleware:Stamp.factory": "egg:pasteserve#stamp",
		"mycompany.wsgi:Later.factory":  "egg:mycompany#later",
	} {
		if f, ok := r.Lookup(ref, plan.TypeFilter); !ok || f.Reference() != want {
			t.Errorf("Lookup(%s) = %v, want %s", ref, f, want)
		}
	}
}

// A reference registered twice panics with a message that names both
// registering packages.
func TestClashNamesBothPackages(t *testing.T) {
	r := &Registry{}
	a := stampFactory("stamp")
	a.Aliases = []string{"egg:mycompany#stamp"}
	r.Register(a)
	b := stampFactory("stamper")
	b.Aliases = []string{"egg:MyCompany#stamp"}
	wantPanic(t, "the same alias from another package", func() { r.register(b, "example.com/other/stamp") },
		`Register("stamper"): egg:MyCompany#stamp is already registered by "stamp" (package `+thisPackage+`); package example.com/other/stamp registers it again`)
	wantPanic(t, "an alias taken", func() {
		r.alias("egg:"+thisPackage+"#stamp", KindFilter, []string{"egg:mycompany#stamp"}, "example.com/third")
	},
		"(package "+thisPackage+"); package example.com/third registers it again")
	// Two packages' factories of one name do not clash.
	r.register(stampFactory("stamp"), "example.com/other/stamp")
}

// Only packages of pasteserve's module may use its namespace: a plugin
// that asks for it, or adds an egg:pasteserve# reference, panics.
func TestPasteserveNamespaceIsReserved(t *testing.T) {
	r := &Registry{}
	f := stampFactory("stamp")
	f.Namespace = "pasteserve"
	wantPanic(t, "Namespace pasteserve", func() { r.register(f, "example.com/mycompany/stamp") },
		"package example.com/mycompany/stamp asks for the namespace pasteserve", "egg:example.com/mycompany/stamp#stamp")
	g := stampFactory("stamp")
	g.Aliases = []string{"egg:PasteServe#stamp"}
	wantPanic(t, "an egg:pasteserve# alias", func() { r.register(g, "example.com/mycompany/stamp") },
		"adds egg:PasteServe#stamp, but egg:pasteserve# is the namespace of pasteserve's built-ins")
	wantPanic(t, "Alias into egg:pasteserve#", func() {
		r.alias("request_id", KindFilter, []string{"egg:pasteserve#rid"}, "example.com/mycompany/stamp")
	},
		"egg:pasteserve# is the namespace of pasteserve's built-ins")
	bad := stampFactory("stamp")
	bad.Namespace = "my company"
	wantPanic(t, "a namespace with a space", func() { r.register(bad, "example.com/x") }, `namespace "my company"`)
	// A package of pasteserve's module may (the tests' helpers do).
	r.Register(f)
	if _, ok := r.Lookup("egg:pasteserve#stamp", plan.TypeFilter); !ok {
		t.Errorf("a package of the module registering in egg:pasteserve#: not found")
	}
	if len(r.Factories()) != 1 {
		t.Errorf("the refused factories were registered: %d", len(r.Factories()))
	}
}

func TestCallerPackage(t *testing.T) {
	if got := callerPackage(1); got != thisPackage {
		t.Errorf("callerPackage(1) = %q", got)
	}
	for name, want := range map[string]string{
		"github.com/x/y/pkg.newThing.func1": "github.com/x/y/pkg",
		"main.init.0":                       "main",
		"example.com/p.F[go.shape.struct { X example.com/q.T }]": "example.com/p",
		"github.com/x/y.v2/pkg.(*T).Method":                      "github.com/x/y.v2/pkg",
	} {
		if got := funcPackage(name); got != want {
			t.Errorf("funcPackage(%q) = %q, want %q", name, got, want)
		}
	}
}
