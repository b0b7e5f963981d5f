package build

import (
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
)

// Foreign builds the parts of a plan that have no Go factory in another
// runtime: package server's is the Python bridge, whose handler forwards
// each request to Python workers that load the tail with PasteDeploy
// itself. Given to Options, it is called once for every tail of the
// plan, in PasteDeploy's creation order, where the tail's first element
// would be created.
type Foreign interface {
	// Tail returns the handler that serves t. An error is reported at
	// the first element of t (unless it carries positions of its own),
	// as a factory's is.
	Tail(t Tail) (http.Handler, error)
}

// Tail is the end of a chain that runs outside Go: its first element
// that has no registered Go factory, and everything after it. Building
// flattens each chain as PasteDeploy builds it (a pipeline is its
// filters, outermost first, then its app; a filter-with or filter-app is
// its filter, then what it wraps) and splits it there; the Go filters in
// front run in Go, and the rest, registered filters included, runs as
// the Python originals. A composite or app with no Go factory is a tail
// whole.
//
// A Tail is pure data, the same in every process that builds the same
// plan. The Python side loads it element by element, as PasteDeploy's
// own pipeline loads its items: with File's loader (a ConfigLoader of
// File, Defaults laid under its [DEFAULT]), each element is
//
//	loader.get_context(FILTER or APP, Element.Name, global_conf=Global)
//
// and the tail is the last element (the app) wrapped in the others,
// the first outermost. So nothing in front of the split is resolved in
// Python: the Go filters there need no Python original at all.
type Tail struct {
	// Root is the plan node of the chain that is split, Name the name
	// it was asked for by (the words of an inline pipeline), and Skip
	// how many elements of its flattened chain run in Go, in front.
	Root *plan.Node
	Name string
	Skip int
	// Nodes are the elements of the chain the tail runs, outermost
	// first: Nodes[0] is the one without a Go factory, where errors
	// that name no section of their own are placed.
	Nodes []*plan.Node

	// File is the file the elements are looked up in, by its absolute
	// path: the file of the structure that holds them (the pipeline,
	// the filter-app, the composite of an inline pipeline), or, for a
	// chain loaded whole, the file its asker looked it up in.
	File string
	// Defaults is the global configuration File's loader was opened
	// with, which PasteDeploy lays under the file's [DEFAULT] without
	// overriding it: nothing for the paste file itself (pasteserve's
	// own keys, Options.Injected, are left out), the referring object's
	// global configuration for a file included with config:.
	Defaults map[string]string
	// Global is the global_conf each element is asked for with, as the
	// structure that holds them passes it: a [pipeline:]'s or
	// [filter-app:]'s own global configuration (less the injected keys
	// the paste file left as pasteserve gave them); for a composite's
	// child, the composite's; nil for the words of a composite's inline
	// pipeline, which OpenStack's pipeline selectors load with
	// loader.get_filter(name) and loader.get_app(name), passing none.
	Global map[string]string
	// Elements are what is loaded, outermost first; the last is the
	// app.
	Elements []Element
	// FiltersFirst says that the filters are made before the app, as
	// the OpenStack pipeline selectors make an inline pipeline
	// ([loader.get_filter(n) for n in pipeline[:-1]], then get_app);
	// otherwise the app is made first, as PasteDeploy's pipeline does.
	FiltersFirst bool
}

// Element is one object of a Tail, loaded by its name.
//
// With Skip 0 the element is the whole object Name loads. With Skip
// above 0 it is the object less its first Skip flattened filters,
// which Go runs: this happens only where the split falls inside
// filter-with (the object's filter-with filter runs in Go, the object
// in Python), or inside a filter-app's own filter, since loading the
// object by its name would apply the wrapper again. The Python side
// then loads Name with the filter-with filters it skips left
// unresolved, and makes the last Keep elements of its flattened chain.
type Element struct {
	Type plan.ObjectType // TypeFilter, or TypeApp for the last
	Name string          // as the holding structure writes it
	Node *plan.Node      // what Name resolves to
	Skip int
	Keep int // with Skip: how many flattened elements Python makes
}

// Options are the settings of a build beyond the plan and the registry.
// The zero value builds every element in Go, as Handler and Check do.
type Options struct {
	// Foreign, when set, builds the tails: a chain is split at its
	// first element with no registered Go factory, instead of that
	// element being an error. A reference registered as another kind of
	// object (a filter used as an app) stays an error.
	Foreign Foreign
	// File is the paste file the plan was resolved from (the path
	// given to resolve.Resolver.Resolve), which a tail at the top of
	// the plan is loaded from; empty means the root node's File.
	File string
	// Injected is the global configuration the caller gave resolution
	// (server.Settings.Global: option groups as "group.option",
	// auth_strategy, flavor). Those keys are pasteserve's own: a tail's
	// Global leaves out each one that still has the value given here.
	Injected map[string]string
	// AllowUnregistered, for Check, skips a reference with no factory
	// at all instead of reporting it (see Check).
	AllowUnregistered bool
	// Child, when set, is called each time a composite loads one of its
	// children (a urlmap's route, the pipeline a selector picks), before
	// the child is built, with the composite's node and the child's; the
	// function it returns, if not nil, wraps the child's handler once it
	// is built. Calls nest as the plan does: the children of a composite
	// inside a child are entered after it and wrapped before it. Package
	// server marks each route with the metrics it counts in, resolved
	// here once rather than per request.
	Child func(composite, child *plan.Node) func(http.Handler) http.Handler
}

// Handler is the package's Handler, with the options of o.
func (o Options) Handler(n *plan.Node, reg *factory.Registry) (http.Handler, error) {
	b := &builder{reg: reg, opts: o}
	h := b.root(n)
	if err := b.err(); err != nil {
		return nil, err
	}
	return h, nil
}

// Check is the package's Check, with the options of o. With a Foreign,
// it calls Foreign.Tail too, and throws its handler away.
func (o Options) Check(n *plan.Node, reg *factory.Registry) error {
	if n == nil {
		return nil
	}
	b := &builder{reg: reg, opts: o, partial: true, skipUnregistered: o.AllowUnregistered}
	b.root(n)
	return b.err()
}

// Place says where an element of a plan runs.
type Place int

const (
	// InGo: built by a Go factory, run in pasteserve.
	InGo Place = iota
	// InPython: part of a tail, loaded and run by the Python workers.
	InPython
	// InBoth: a pipeline, filter-app or filter-with node whose chain is
	// split: its first elements run in Go, the rest in Python.
	InBoth
)

// String returns "Go", "Python" or "Go, then Python".
func (p Place) String() string {
	return [...]string{"Go", "Python", "Go, then Python"}[p]
}

// Places says where each node of n runs when its chains are split as
// Options.Foreign splits them: every element and every pipeline,
// filter-app and filter-with node, the parts of a tail included (a Go
// composite inside a tail runs in Python, and so do its children).
// Nodes that failed to resolve (nil) are not in it. It calls no
// factory.
func Places(n *plan.Node, reg *factory.Registry) map[*plan.Node]Place {
	s := &splitter{reg: reg, places: map[*plan.Node]Place{}}
	s.chain(n, chainRoot{})
	return s.places
}

// Tails returns the tails of n, in the order of the plan (a composite's
// children by their keys, sorted), as Options.Foreign would be asked to
// build them, and the errors of the tails Python cannot run (one with an
// element that only Go knows, egg:pasteserve#NAME, after the split). It
// calls no factory: package server starts the Python workers
// with the tails before the Go side is built.
func (o Options) Tails(n *plan.Node, reg *factory.Registry) ([]Tail, error) {
	s := &splitter{reg: reg, places: map[*plan.Node]Place{}}
	s.chain(n, o.top(n))
	if len(s.errs) > 0 {
		s.errs.Sort()
		return s.tails, s.errs
	}
	return s.tails, nil
}

// chainRoot is where a chain is loaded from by name, as the Python side
// sees it: the file its asker looked it up in, with the global
// configuration that file's loader was opened with (defaults), the
// name, its type, and the global configuration the asker passed.
type chainRoot struct {
	file, name string
	typ        plan.ObjectType
	defaults   map[string]string
	global     map[string]string
	injected   map[string]string
}

// top is the chain root of the whole plan n.
func (o Options) top(n *plan.Node) chainRoot {
	file := o.File
	if file == "" && n != nil {
		file = n.File
	}
	if abs, err := filepath.Abs(file); err == nil {
		file = abs
	}
	name := "main"
	if n != nil && n.Name != "" {
		name = n.Name
	}
	return chainRoot{file: file, name: name, typ: plan.TypeApp, injected: o.Injected}
}

// child is the chain root of a composite's child c: looked up in the
// file that defines the composite (where resolution resolved it), with
// the composite's global configuration.
func (r chainRoot) child(composite, c *plan.Node) chainRoot {
	return r.inner(composite).with(c, plan.TypeApp)
}

// inner is where the objects that structure node n (a pipeline, a
// filter-app, a composite) names are looked up, n being loaded as r
// says: in n's file, with n's global configuration. The file's loader
// is r's when n is in r's file; in another one, n came from a config:
// reference, which opens that file's loader with the referrer's global
// configuration.
func (r chainRoot) inner(n *plan.Node) chainRoot {
	in := chainRoot{file: n.File, defaults: r.defaults, global: withoutInjected(n.Global, r.injected), injected: r.injected}
	if n.File != r.file {
		in.defaults = r.global
	}
	return in
}

// with is the chain root of the object n that r's structure names, as
// a typ.
func (r chainRoot) with(n *plan.Node, typ plan.ObjectType) chainRoot {
	r.name, r.typ = nameOf(n), typ
	return r
}

// nameOf is the name n was asked for by, "" for a part that failed to
// resolve.
func nameOf(n *plan.Node) string {
	if n == nil {
		return ""
	}
	return n.Name
}

// withoutInjected returns global without the keys of injected that have
// the value given there: what the caller added rather than the file.
func withoutInjected(global, injected map[string]string) map[string]string {
	out := make(map[string]string, len(global))
	for k, v := range global {
		if iv, ok := injected[k]; ok && iv == v {
			continue
		}
		out[k] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// element is one element of a flattened chain: a factory node (a filter,
// or the chain's app or composite, last), or nil where a part failed to
// resolve.
type element struct {
	n      *plan.Node
	parent *plan.Node
}

// flatten lists the elements of the chain that app node n heads, as
// PasteDeploy builds it: a pipeline's filters outermost first, then its
// app; a filter-app's or filter-with's filter, then what it wraps; a
// filter that itself has filter-with is its filter-with filter, then
// itself. A factory node ends the chain.
func flatten(n *plan.Node) []element {
	var out []element
	flattenApp(n, nil, &out)
	return out
}

func flattenApp(n, parent *plan.Node, out *[]element) {
	if n == nil {
		*out = append(*out, element{nil, parent})
		return
	}
	switch n.Kind {
	case plan.NodePipeline:
		for _, f := range n.Filters {
			flattenFilter(f, n, out)
		}
		flattenApp(n.App, n, out)
	case plan.NodeFilterApp, plan.NodeFilterWith:
		flattenFilter(n.Filter, n, out)
		flattenApp(n.App, n, out)
	default:
		*out = append(*out, element{n, parent})
	}
}

func flattenFilter(n, parent *plan.Node, out *[]element) {
	if n != nil && n.Kind == plan.NodeFilterWith {
		flattenFilter(n.Filter, n, out)
		flattenFilter(n.App, n, out)
		return
	}
	*out = append(*out, element{n, parent})
}

// count is how many elements n flattens to, as an object of type typ.
func count(n *plan.Node, typ plan.ObjectType) int {
	var out []element
	if typ == plan.TypeFilter {
		flattenFilter(n, nil, &out)
	} else {
		flattenApp(n, nil, &out)
	}
	return len(out)
}

// foreign reports whether n, a factory node, has no Go factory at all in
// reg: what a tail begins with. A reference registered as another kind
// of object is not: it is an error.
func foreign(n *plan.Node, reg *factory.Registry) bool {
	return n != nil && n.Kind == plan.NodeFactory && !reg.Knows(n.Ref.Text)
}

// goOnly reports whether ref names a factory in pasteserve's own
// namespace, egg:pasteserve#NAME, which no Python distribution has.
func goOnly(ref string) bool {
	dist, _, ok := strings.Cut(ref, "#")
	return ok && strings.EqualFold(dist, "egg:pasteserve")
}

// splitAt returns the index of the first element of elems with no Go
// factory, or -1.
func splitAt(elems []element, reg *factory.Registry) int {
	for i, e := range elems {
		if foreign(e.n, reg) {
			return i
		}
	}
	return -1
}

// splitter walks a plan's chains, recording where each node runs and
// the tails.
type splitter struct {
	reg    *factory.Registry
	places map[*plan.Node]Place
	tails  []Tail
	errs   dsl.Diagnostics
	// sites is how each Go composite is loaded, which its children's
	// tails depend on: the builder asks for them (builder.sites).
	sites map[*plan.Node]chainRoot
}

// chain records the chain that app node n heads, asked for as root.
func (s *splitter) chain(n *plan.Node, root chainRoot) {
	if n == nil {
		return
	}
	elems := flatten(n)
	at := splitAt(elems, s.reg)
	if at < 0 {
		s.goChain(n, root)
		return
	}
	t, err := tailOf(n, elems, at, root)
	if err != nil {
		s.errs = append(s.errs, err...)
	} else {
		s.tails = append(s.tails, t)
	}
	in := map[*plan.Node]bool{}
	for _, e := range elems[at:] {
		if e.n != nil {
			in[e.n] = true
		}
	}
	var mark func(n *plan.Node) Place
	mark = func(n *plan.Node) Place {
		if n == nil {
			return InGo
		}
		var p Place
		switch {
		case n.Kind == plan.NodeFactory && in[n]:
			plan.Walk(n, func(c *plan.Node) { s.places[c] = InPython })
			return InPython
		case n.Kind == plan.NodeFactory:
			s.goElement(n, root)
			return InGo
		case n.Kind == plan.NodePipeline:
			parts := []Place{}
			for _, f := range n.Filters {
				parts = append(parts, mark(f))
			}
			parts = append(parts, mark(n.App))
			p = join(parts)
		default:
			p = join([]Place{mark(n.Filter), mark(n.App)})
		}
		s.places[n] = p
		return p
	}
	mark(n)
}

// join is where a structure node runs whose parts run at parts.
func join(parts []Place) Place {
	p := parts[0]
	for _, q := range parts[1:] {
		if q != p {
			return InBoth
		}
	}
	return p
}

// goChain records a chain that runs in Go whole, n being loaded as
// root says.
func (s *splitter) goChain(n *plan.Node, root chainRoot) {
	var walk func(n *plan.Node, r chainRoot)
	walk = func(n *plan.Node, r chainRoot) {
		if n == nil {
			return
		}
		s.places[n] = InGo
		switch n.Kind {
		case plan.NodeFactory:
			s.goElement(n, r)
		case plan.NodePipeline:
			in := r.inner(n)
			if n.Section == "" {
				in.global = nil // an inline pipeline, as a selector loads it
			}
			for _, f := range n.Filters {
				walk(f, in.with(f, plan.TypeFilter))
			}
			walk(n.App, in.with(n.App, plan.TypeApp))
		case plan.NodeFilterApp:
			walk(n.Filter, r) // the section's own filter
			walk(n.App, r.inner(n).with(n.App, plan.TypeApp))
		default: // filter-with: the filter, looked up by the object's section
			walk(n.Filter, r.inner(n).with(n.Filter, plan.TypeFilter))
			walk(n.App, r)
		}
	}
	walk(n, root)
}

// goElement records a factory node that runs in Go, loaded as root
// says: a composite's children are chains of their own.
func (s *splitter) goElement(n *plan.Node, root chainRoot) {
	s.places[n] = InGo
	if len(n.Children) == 0 {
		return
	}
	if s.sites == nil {
		s.sites = map[*plan.Node]chainRoot{}
	}
	s.sites[n] = root
	for _, k := range slices.Sorted(maps.Keys(n.Children)) {
		if c := n.Children[k]; c != nil {
			s.chain(c, root.child(n, c))
		}
	}
}

// tailOf returns the tail of the chain n heads, elems flattened, split
// at element at, n being loaded as root says.
func tailOf(n *plan.Node, elems []element, at int, root chainRoot) (Tail, dsl.Diagnostics) {
	t := root.locate(n, at, root.byName(n))
	t.Root, t.Name, t.Skip = n, root.name, at
	if n.Kind == plan.NodePipeline && n.Section == "" {
		t.Name = n.Name // an inline pipeline: its words
	}
	for _, e := range elems[at:] {
		if e.n != nil {
			t.Nodes = append(t.Nodes, e.n)
		}
	}
	// Python resolves what it runs, and only that: a reference only Go
	// knows can be in front of the split, not after it.
	var errs dsl.Diagnostics
	for _, e := range elems[at:] {
		if e.n != nil && goOnly(e.n.Ref.Text) {
			errs = append(errs, &dsl.Diagnostic{Pos: e.n.Ref.Pos, Msg: fmt.Sprintf("[%s]: %s is pasteserve's own reference, which Python's PasteDeploy cannot resolve, but it comes after %s, which has no Go factory, so the Python workers run it: name the factory by the reference of its Python original (pasteserve factories lists them), or move it in front of %s",
				e.n.Section, e.n.Ref.Text, elems[at].n.Ref.Text, elems[at].n.Ref.Text)})
		}
	}
	if len(errs) > 0 {
		return t, errs
	}
	return t, nil
}

// byName is how r loads n, the object it names, from element a of n's
// flattened chain on: n whole for 0, else n less its first a elements.
func (r chainRoot) byName(n *plan.Node) func(a int) Tail {
	return func(a int) Tail {
		e := Element{Type: r.typ, Name: r.name, Node: n}
		if a > 0 {
			e.Skip, e.Keep = a, count(n, r.typ)-a
		}
		return Tail{File: r.file, Defaults: r.defaults, Global: r.global, Elements: []Element{e}}
	}
}

// names is how r loads the objects ns that its structure names, one
// by one; the last is an app.
func (r chainRoot) names(ns []*plan.Node) Tail {
	t := Tail{File: r.file, Defaults: r.defaults, Global: r.global}
	for i, n := range ns {
		typ := plan.TypeFilter
		if i == len(ns)-1 {
			typ = plan.TypeApp
		}
		t.Elements = append(t.Elements, Element{Type: typ, Name: nameOf(n), Node: n})
	}
	return t
}

// locate is how Python loads the part of n's flattened chain from
// element a on, n being loaded as r says, and named as byName says
// (which differs from r.byName inside filter-with, whose object cannot
// be loaded by its name without its filter-with filter).
//
// Inside a pipeline (a [pipeline:] or a composite's inline pipeline)
// the split is at one of its items or inside one: from an item on, the
// tail is those items by their names, looked up as the pipeline looks
// them up; inside its app, the app is located in turn; inside a filter
// with filter-with, that filter is loaded by name less what Go runs,
// then the items after it by name. In a filter-app, the split is in its
// own filter (the filter-app by its name, less what Go runs), at its
// next (next by name, as the filter-app looks it up) or inside it
// (located in turn). In filter-with, it is in the filter-with filter
// or at the object (the object's name, less what Go runs) or inside
// the object.
func (r chainRoot) locate(n *plan.Node, a int, byName func(int) Tail) Tail {
	if n == nil {
		return byName(a)
	}
	switch n.Kind {
	case plan.NodeFilterWith:
		k := count(n.Filter, plan.TypeFilter)
		if a < k {
			return byName(a)
		}
		return r.locate(n.App, a-k, func(b int) Tail { return byName(b + k) })
	case plan.NodeFilterApp:
		k := count(n.Filter, plan.TypeFilter)
		if a < k {
			return byName(a)
		}
		in := r.inner(n).with(n.App, plan.TypeApp)
		if a == k {
			return in.names([]*plan.Node{n.App})
		}
		return in.locate(n.App, a-k, in.byName(n.App))
	case plan.NodePipeline:
		inline := n.Section == ""
		if a == 0 && !inline {
			return byName(0)
		}
		in := r.inner(n)
		if inline {
			in.global = nil
		}
		items := append(slices.Clip(n.Filters), n.App)
		off := 0
		for i, item := range items {
			typ := plan.TypeFilter
			if i == len(items)-1 {
				typ = plan.TypeApp
			}
			c := count(item, typ)
			if a >= off+c {
				off += c
				continue
			}
			b, at := a-off, in.with(item, typ)
			if b > 0 && typ == plan.TypeApp {
				return at.locate(item, b, at.byName(item))
			}
			t := in.names(items[i:])
			if b > 0 {
				// A filter with filter-with, split inside: it by
				// name less what Go runs, then the rest by name.
				t.Elements[0] = at.byName(item)(b).Elements[0]
			}
			t.FiltersFirst = inline && len(t.Elements) > 1
			return t
		}
	}
	return byName(a)
}

// root builds the whole plan n. With a Foreign, the splitter first
// says how each Go composite is loaded, so that its children's tails
// are the ones Options.Tails lists.
func (b *builder) root(n *plan.Node) http.Handler {
	if b.opts.Foreign != nil {
		s := &splitter{reg: b.reg, places: map[*plan.Node]Place{}}
		s.chain(n, b.opts.top(n))
		b.sites = s.sites
	}
	return b.chain(n, nil, b.opts.top(n))
}

// chain builds the chain that app node n heads, asked for as root;
// parent is the node that holds it. With a Foreign, a chain with an
// element that has no Go factory is split there (split); any other is
// built by app, wholly in Go.
func (b *builder) chain(n, parent *plan.Node, root chainRoot) http.Handler {
	if b.opts.Foreign != nil && n != nil {
		elems := flatten(n)
		if at := splitAt(elems, b.reg); at >= 0 {
			return b.split(n, elems, at, root)
		}
	}
	return b.app(n, parent)
}

// split builds the chain n heads, elems flattened, with the elements
// from at on as a tail that Foreign builds. The factories of the Go
// filters in front are called in PasteDeploy's creation order, as app
// calls them, and Foreign where the tail's first element would be
// created; elements inside the tail are not built in Go at all.
func (b *builder) split(n *plan.Node, elems []element, at int, root chainRoot) http.Handler {
	index := make(map[*plan.Node]int, len(elems))
	for i, e := range elems {
		if e.n != nil {
			index[e.n] = i
		}
	}
	made := make(map[*plan.Node]factory.Middleware, at)
	var tail http.Handler
	visit := func(x, parent *plan.Node) {
		switch i := index[x]; {
		case i < at:
			made[x] = b.filter(x, parent)
		case i == at:
			tail = b.tail(n, elems, at, root)
		}
	}
	var app, filter func(x, parent *plan.Node)
	filter = func(x, parent *plan.Node) {
		switch {
		case x == nil:
			b.unresolved(parent)
		case x.Kind == plan.NodeFilterWith:
			filter(x.Filter, x) // the filter, then the filter it wraps
			filter(x.App, x)
		default:
			visit(x, parent)
		}
	}
	app = func(x, parent *plan.Node) {
		if x == nil {
			b.unresolved(parent)
			return
		}
		switch x.Kind {
		case plan.NodePipeline: // the app, then the filters
			app(x.App, x)
			for _, f := range x.Filters {
				filter(f, x)
			}
		case plan.NodeFilterApp: // next, then the filter
			app(x.App, x)
			filter(x.Filter, x)
		case plan.NodeFilterWith: // the filter, then the object
			filter(x.Filter, x)
			app(x.App, x)
		default:
			visit(x, parent)
		}
	}
	app(n, nil)
	if tail == nil {
		tail = failedApp
	}
	h := tail
	for i := at - 1; i >= 0; i-- {
		if e := elems[i]; e.n != nil {
			h = b.notNil(made[e.n](h), e.n)
		}
	}
	return h
}

// tail asks Foreign for the tail of the chain n heads, split at at.
func (b *builder) tail(n *plan.Node, elems []element, at int, root chainRoot) http.Handler {
	t, errs := tailOf(n, elems, at, root)
	if len(errs) > 0 {
		for _, d := range errs {
			b.report(d.Pos, dsl.Diagnostics{d})
		}
		return failedApp
	}
	first := t.Nodes[0]
	h, err := b.opts.Foreign.Tail(t)
	if err != nil {
		if _, ok := err.(dsl.Diagnostics); !ok {
			err = fmt.Errorf("[%s] (%s): %v", first.Section, first.Ref.Text, err)
		}
		b.report(first.Pos, err)
		return failedApp
	}
	if h == nil {
		b.report(first.Pos, fmt.Errorf("[%s] (%s): the Python side returned no handler", first.Section, first.Ref.Text))
		return failedApp
	}
	return h
}
