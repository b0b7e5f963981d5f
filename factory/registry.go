package factory

import (
	"fmt"
	"net/http"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/options"
	"github.com/pasteserve/pasteserve/plan"
)

// Kind is what a registered factory makes.
type Kind int

// The kinds of factory. A paste file's [server:] sections are not made
// by factories: package server reads them as its settings.
const (
	KindApp       Kind = iota // an http.Handler
	KindComposite             // an http.Handler made from other apps it loads by name
	KindFilter                // a func(http.Handler) http.Handler
)

// String returns "app", "composite" or "filter".
func (k Kind) String() string {
	return [...]string{"app", "composite", "filter"}[k]
}

// serves reports whether a factory of kind k can stand where an object of
// type t is asked for. None stands for a server.
func (k Kind) serves(t plan.ObjectType) bool {
	switch t {
	case plan.TypeFilter:
		return k == KindFilter
	case plan.TypeServer:
		return false
	}
	return k == KindApp || k == KindComposite
}

// Middleware is what a filter factory returns: the shape of chi and
// alice middleware.
type Middleware = func(http.Handler) http.Handler

// Loader lets a composite factory load the apps it is made of, by name
// or URI, as they are written in its configuration: the names its
// Factory.Children declared, which resolution resolved with the plan, in
// the file that defines the composite. A name Children did not declare
// is an error naming the composite's section: building does not go back
// to the files.
//
// During Build, a child that cannot be built does not stop the composite:
// its errors go to the build's list, and GetApp returns a stand-in with a
// nil error, so that the composite loads its other children and every
// problem is reported at once (the build then fails, and the stand-in is
// never served).
type Loader interface {
	GetApp(name string) (http.Handler, error)
}

// Factory describes one registered factory. Exactly the function for its
// Kind must be set.
type Factory struct {
	// Name is the Go name; the factory also answers to
	// egg:NAMESPACE#Name (see Reference).
	Name string
	// Namespace is the egg distribution Name answers under. Left empty,
	// Register fills it in: pasteserve for the built-ins (which package
	// builtin registers), and the import path of the registering package
	// for any other, so that a plugin's names can neither clash with a
	// built-in's nor be taken by a future one: package
	// example.com/mycompany/stamp registering Name "stamp" answers to
	// egg:example.com/mycompany/stamp#stamp. A plugin may set it to a
	// short name of its own ("mycompany" gives egg:mycompany#stamp), but
	// not to pasteserve, which only packages of pasteserve's own module
	// may use.
	Namespace string
	// Aliases are the Python references the factory stands for, as paste
	// files write them: "egg:Paste#urlmap", "call:neutron.auth:pipeline_factory",
	// "oslo_middleware:RequestId.factory" (the value of an explicit
	// paste.filter_factory key).
	Aliases []string
	Kind    Kind
	// Doc is a one-line description for listings.
	Doc string

	App       func(cfg *Config) (http.Handler, error)
	Filter    func(cfg *Config) (Middleware, error)
	Composite func(l Loader, cfg *Config) (http.Handler, error)

	// Children, for a composite, names the apps it will load: child key
	// to app name or URI, so that plans and graphs can show them without
	// calling the factory, and so that resolution resolves them with the
	// plan. They are all the composite's Loader gives it: a composite
	// without Children loads no app.
	Children func(cfg *Config) map[string]string

	// Options describes the factory's options, for pasteserve factories
	// --options NAME and for the docs' tables: FilterOf, AppOf and
	// CompositeOf set it from the options struct. nil for a factory that
	// reads its Config itself, which has no table.
	Options func() ([]options.Option, error)
	// Groups are the option groups the factory reads from global_conf
	// ("cors" for cors.allowed_origin): a server hands exactly the
	// groups of its config files that some registered factory reads to
	// the paste file (Registry.Groups). FilterOf, AppOf and CompositeOf
	// set it from the options struct.
	Groups []string

	pkg string // the package that registered it: see Package
}

// Registry maps references to factories. The zero value is empty and
// ready to use; Default is the registry built-ins and plugins register
// into from init functions.
type Registry struct {
	mu      sync.RWMutex
	byRef   map[string][]*Factory
	owner   map[string]string // "type refKey" -> the package that registered it
	all     []*Factory
	pending []pendingAlias // Alias calls for factories not registered yet
}

type pendingAlias struct {
	target string // the refKey of the factory's own reference
	kind   Kind
	refs   []string
	pkg    string // the package that called Alias
}

// Default is the registry that Register adds to and pasteserve loads
// from.
var Default = &Registry{}

// Register adds f to the Default registry, under its Go name in its
// namespace (egg:NAMESPACE#Name, see Factory.Namespace) and under each
// of its Aliases. It panics on a factory without a name or function, on
// a reference already registered for the same kind of object (naming
// both registering packages), and on a plugin that claims pasteserve's
// namespace, like database/sql.Register: all are programming errors
// found at start-up.
func Register(f Factory) { Default.register(f, callerPackage(2)) }

// Register adds f to r; see the package-level Register.
func (r *Registry) Register(f Factory) { r.register(f, callerPackage(2)) }

// register adds f, registered by the package pkg, to r.
func (r *Registry) register(f Factory, pkg string) {
	if f.Name == "" {
		panic("factory: Register: factory without a Name")
	}
	var ok bool
	switch f.Kind {
	case KindApp:
		ok = f.App != nil
	case KindComposite:
		ok = f.Composite != nil
	case KindFilter:
		ok = f.Filter != nil
	}
	if !ok {
		panic(fmt.Sprintf("factory: Register(%q): a %s factory needs its %s function", f.Name, f.Kind, f.Kind))
	}
	fp := &f
	fp.Aliases = append([]string(nil), f.Aliases...)
	fp.Groups = slices.Clone(f.Groups)
	fp.pkg = pkg
	fp.Namespace = namespaceOf(f, pkg)
	checkRefs("Register", f.Name, pkg, f.Aliases)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.addRefs(fp, "Register", pkg, append([]string{fp.Reference()}, f.Aliases...))
	r.all = append(r.all, fp)
	kept := r.pending[:0]
	self := refKey(fp.Reference())
	for _, p := range r.pending {
		if p.target == self && p.kind == f.Kind {
			r.addAliases(fp, p.pkg, p.refs)
		} else {
			kept = append(kept, p)
		}
	}
	r.pending = kept
}

// The module whose packages may use the namespace pasteserve, and its
// package that registers the built-ins there by default.
const (
	pasteserveModule = "github.com/pasteserve/pasteserve"
	builtinPackage   = pasteserveModule + "/builtin"
)

// inModule reports whether pkg is a package of pasteserve's own module
// (its tests' helpers and binaries included).
func inModule(pkg string) bool {
	return pkg == pasteserveModule || strings.HasPrefix(pkg, pasteserveModule+"/")
}

// namespaceOf is the namespace f, registered by package pkg, answers
// under (see Factory.Namespace).
func namespaceOf(f Factory, pkg string) string {
	ns := f.Namespace
	switch {
	case ns == "" && pkg == builtinPackage:
		ns = "pasteserve"
	case ns == "":
		ns = pkg
	}
	if ns == "" || strings.ContainsAny(ns, "# \t\r\n") {
		panic(fmt.Sprintf("factory: Register(%q): namespace %q: a namespace is an egg distribution name, without '#' or white space", f.Name, ns))
	}
	if strings.EqualFold(ns, "pasteserve") && !inModule(pkg) {
		panic(fmt.Sprintf("factory: Register(%q): package %s asks for the namespace pasteserve, which is pasteserve's built-ins': leave Namespace empty (egg:%s#%s) or choose one of your own", f.Name, pkg, pkg, f.Name))
	}
	return ns
}

// checkRefs panics on a reference in pasteserve's namespace that a
// package outside pasteserve's module adds: the built-ins' names are
// theirs, so that no plugin breaks when a built-in of the same name
// comes.
func checkRefs(caller, name, pkg string, refs []string) {
	if inModule(pkg) {
		return
	}
	for _, ref := range refs {
		if strings.HasPrefix(refKey(ref), "egg:pasteserve#") {
			panic(fmt.Sprintf("factory: %s(%q): package %s adds %s, but egg:pasteserve# is the namespace of pasteserve's built-ins: use egg:%s#NAME, or a distribution name of your own", caller, name, pkg, ref, pkg))
		}
	}
}

// Reference is the reference f answers to by its Go name:
// egg:NAMESPACE#Name ("egg:pasteserve#cors" for a built-in).
func (f *Factory) Reference() string {
	ns := f.Namespace
	if ns == "" {
		ns = "pasteserve"
	}
	return "egg:" + ns + "#" + f.Name
}

// addRefs files f, for package pkg, under refs; the caller holds r.mu.
func (r *Registry) addRefs(f *Factory, caller, pkg string, refs []string) {
	if r.byRef == nil {
		r.byRef = map[string][]*Factory{}
		r.owner = map[string]string{}
	}
	t := objectTypeOf(f.Kind)
	for _, ref := range refs {
		key := refKey(ref)
		for _, other := range r.byRef[key] {
			if other.Kind.serves(t) {
				panic(fmt.Sprintf("factory: %s(%q): %s is already registered by %q (package %s); package %s registers it again",
					caller, f.Name, ref, other.Name, r.owner[t.String()+" "+key], pkg))
			}
		}
		r.byRef[key] = append(r.byRef[key], f)
		r.owner[t.String()+" "+key] = pkg
	}
}

func (r *Registry) addAliases(f *Factory, pkg string, refs []string) {
	r.addRefs(f, "Alias", pkg, refs)
	f.Aliases = append(f.Aliases, refs...)
}

// Alias adds refs to the Default registry's factory called name that
// makes kind objects, as if they were in its Aliases; see the
// Registry method.
func Alias(name string, kind Kind, refs ...string) { Default.alias(name, kind, refs, callerPackage(2)) }

// Alias adds refs, references as paste files write them, to the factory
// that answers to name and makes kind objects, as if they had been in
// its Aliases. name is a built-in's Go name ("request_id", for
// egg:pasteserve#request_id), or the reference of any factory
// ("egg:example.com/mycompany/stamp#stamp"). It is for references that
// belong in a table of their own (the module paths of a Python
// distribution's entry points, kept together so they can be checked
// against its entry_points.txt), or that a plugin adds to a built-in
// (mycompany.wsgi:RequestId.factory for request_id). It may run before
// or after the factory is registered, so init order does not matter;
// until the factory is registered the references resolve to nothing. As
// Register, it panics on a reference already registered for the same
// kind of object (naming both packages), and on a reference in
// egg:pasteserve# from a package outside pasteserve's module.
func (r *Registry) Alias(name string, kind Kind, refs ...string) {
	r.alias(name, kind, refs, callerPackage(2))
}

func (r *Registry) alias(name string, kind Kind, refs []string, pkg string) {
	checkRefs("Alias", name, pkg, refs)
	target := name
	if !strings.Contains(name, "#") {
		target = "egg:pasteserve#" + name
	}
	target = refKey(target)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.all {
		if refKey(f.Reference()) == target && f.Kind == kind {
			r.addAliases(f, pkg, refs)
			return
		}
	}
	r.pending = append(r.pending, pendingAlias{target, kind, append([]string(nil), refs...), pkg})
}

func objectTypeOf(k Kind) plan.ObjectType {
	switch k {
	case KindFilter:
		return plan.TypeFilter
	}
	return plan.TypeApp
}

// refKey normalises a reference for lookup: egg distribution names are
// case-insensitive and the entry point defaults to main; anything else
// is compared as written.
func refKey(ref string) string {
	ref = strings.TrimSpace(ref)
	if len(ref) > 4 && strings.EqualFold(ref[:4], "egg:") {
		dist, entry, ok := strings.Cut(ref[4:], "#")
		if !ok || entry == "" {
			entry = "main"
		}
		return "egg:" + strings.ToLower(dist) + "#" + entry
	}
	if len(ref) > 5 && strings.EqualFold(ref[:5], "call:") {
		ref, _, _ = strings.Cut(ref, "#")
		return "call:" + ref[5:]
	}
	return ref
}

// Lookup returns the factory registered for ref that can make an object
// of type t.
func (r *Registry) Lookup(ref string, t plan.ObjectType) (*Factory, bool) {
	f, err := r.Find(ref, t)
	return f, err == nil
}

// Find is Lookup with the reason when there is no factory, for a message
// to the user: the reference is registered as another kind of object, or
// not at all (with the blank import that registers it, when it is a
// built-in's, or the nearest registered references).
func (r *Registry) Find(ref string, t plan.ObjectType) (*Factory, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	cands := r.byRef[refKey(ref)]
	for _, f := range cands {
		if f.Kind.serves(t) {
			return f, nil
		}
	}
	if len(cands) > 0 {
		return nil, fmt.Errorf("%s is registered as a %s (%q), but is used here as a %s", ref, cands[0].Kind, cands[0].Name, t)
	}
	msg := fmt.Sprintf("no factory is registered for %s", ref)
	// A built-in that is not registered is a missing blank import, not a
	// misspelling: say which import, rather than suggest the nearest
	// name that happens to be registered. Imports register into Default
	// only, so other registries get the plain advice.
	if r == Default {
		if hint := importHint(ref, t); hint != "" {
			return nil, fmt.Errorf("%s; %s", msg, hint)
		}
	}
	if near := r.near(ref, t); len(near) > 0 {
		msg += "; nearest registered: " + strings.Join(near, ", ")
	}
	return nil, fmt.Errorf("%s (register a Go factory for it and import its package; see docs/plugins.md)", msg)
}

// near returns up to three registered references closest to ref.
func (r *Registry) near(ref string, t plan.ObjectType) []string {
	key := strings.ToLower(refKey(ref))
	type cand struct {
		ref string
		d   int
	}
	var cs []cand
	for k, fs := range r.byRef {
		for _, f := range fs {
			if f.Kind.serves(t) {
				cs = append(cs, cand{k, dsl.EditDistance(key, strings.ToLower(k))})
				break
			}
		}
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].ref < cs[j].ref
	})
	var out []string
	for _, c := range cs {
		if len(out) == 3 || c.d > len(key)/2 {
			break
		}
		out = append(out, c.ref)
	}
	return out
}

// Knows reports whether any factory, of any kind, is registered for ref.
func (r *Registry) Knows(ref string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.byRef[refKey(ref)]) > 0
}

// Package is the import path of the Go package that registered f (the
// one whose code called Register): who provides the factory, for
// listings and messages. For a Factory that was never registered, it is
// the package that defines f's function.
func (f *Factory) Package() string {
	if f.pkg != "" {
		return f.pkg
	}
	var fn any
	switch f.Kind {
	case KindApp:
		fn = f.App
	case KindComposite:
		fn = f.Composite
	default:
		fn = f.Filter
	}
	return funcPackage(runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name())
}

// callerPackage is the import path of the package of the function skip
// frames up the stack: 2 is the caller of the function that calls
// callerPackage. The runtime names a main package "main"; its import
// path is the binary's main package path, from its build information.
func callerPackage(skip int) string {
	pc, _, _, ok := runtime.Caller(skip)
	if !ok {
		return ""
	}
	pkg := funcPackage(runtime.FuncForPC(pc).Name())
	if pkg == "main" {
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Path != "" {
			return bi.Path
		}
	}
	return pkg
}

// funcPackage is the package of a function by its runtime name:
// "github.com/x/y/pkg.newThing.func1" is in "github.com/x/y/pkg",
// "main.init.0" in "main". The type arguments of a generic function,
// which may hold package paths of their own, are not looked at.
func funcPackage(name string) string {
	name, _, _ = strings.Cut(name, "[")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		if j := strings.IndexByte(name[i:], '.'); j >= 0 {
			return name[:i+j]
		}
	}
	if j := strings.IndexByte(name, '.'); j >= 0 {
		return name[:j]
	}
	return name
}

// Groups lists the option groups that the registered factories read
// from global_conf (each Factory's Groups), sorted: what a server hands
// from its config files to the paste file, as "group.option" keys, so
// that a plugin's own group reaches it as oslo's do, and no other group
// (a database URL) shows in a printed plan.
func (r *Registry) Groups() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []string
	for _, f := range r.all {
		for _, g := range f.Groups {
			if !slices.Contains(out, g) {
				out = append(out, g)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Factories returns every registered factory, sorted by Name and, for
// one name (healthcheck is an app and a filter), by Kind: an order that
// does not depend on the order packages registered them in.
func (r *Registry) Factories() []*Factory {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := append([]*Factory(nil), r.all...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}
