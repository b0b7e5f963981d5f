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
// whole (Skip 0).
//
// A Tail is pure data, the same in every process that builds the same
// plan: the Python side loads it as
//
//	loadcontext(APP, "config:"+File, name=Name, global_conf=Global)
//
// flattens that context the same way and drops the first Skip filters.
type Tail struct {
	// File is the file Name is looked up in, by its absolute path: the
	// paste file for a chain at the top of the plan, the file that
	// defines the composite for a composite's child.
	File string
	// Name is the name the chain's root was asked for by, as its asker
	// wrote it (the app's name, or a composite's value). It is not the
	// section a use chain ends at: use merges local configuration, so
	// the outer name is what loads the same object.
	Name string
	// Global is the global_conf the root's caller passes: for the top
	// of the plan nothing (pasteserve's own keys, Options.Injected, are
	// left out), for a composite's child the composite's global
	// configuration without the injected keys the paste file left as
	// pasteserve gave them.
	Global map[string]string
	// Skip is how many elements of the flattened chain run in Go, in
	// front of the tail: all filters.
	Skip int
	// Root is the plan node that File and Name load.
	Root *plan.Node
	// Nodes are the elements of the chain the tail runs, outermost
	// first: Nodes[0] is the one without a Go factory, where errors
	// that name no section of their own are placed.
	Nodes []*plan.Node
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
// build them, and the errors of the chains that cannot be split (an
// inline pipeline of a composite whose Python part does not begin at its
// app). It calls no factory: package server starts the Python workers
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

// chainRoot is where a chain is loaded from by name: the file its asker
// looked it up in, the name, and the global configuration it passed.
type chainRoot struct {
	file, name string
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
	return chainRoot{file: file, name: name, injected: o.Injected}
}

// child is the chain root of a composite's child c: looked up in the
// file that defines the composite (where resolution resolved it), with
// the composite's global configuration.
func (r chainRoot) child(composite, c *plan.Node) chainRoot {
	return chainRoot{file: composite.File, name: c.Name, global: withoutInjected(composite.Global, r.injected), injected: r.injected}
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
	var app, filter func(n, parent *plan.Node)
	filter = func(n, parent *plan.Node) {
		if n != nil && n.Kind == plan.NodeFilterWith {
			filter(n.Filter, n)
			filter(n.App, n)
			return
		}
		out = append(out, element{n, parent})
	}
	app = func(n, parent *plan.Node) {
		if n == nil {
			out = append(out, element{nil, parent})
			return
		}
		switch n.Kind {
		case plan.NodePipeline:
			for _, f := range n.Filters {
				filter(f, n)
			}
			app(n.App, n)
		case plan.NodeFilterApp, plan.NodeFilterWith:
			filter(n.Filter, n)
			app(n.App, n)
		default:
			out = append(out, element{n, parent})
		}
	}
	app(n, nil)
	return out
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

// goChain records a chain that runs in Go whole.
func (s *splitter) goChain(n *plan.Node, root chainRoot) {
	var walk func(n *plan.Node)
	walk = func(n *plan.Node) {
		if n == nil {
			return
		}
		s.places[n] = InGo
		switch n.Kind {
		case plan.NodeFactory:
			s.goElement(n, root)
		case plan.NodePipeline:
			for _, f := range n.Filters {
				walk(f)
			}
			walk(n.App)
		default:
			walk(n.Filter)
			walk(n.App)
		}
	}
	walk(n)
}

// goElement records a factory node that runs in Go: a composite's
// children are chains of their own.
func (s *splitter) goElement(n *plan.Node, root chainRoot) {
	s.places[n] = InGo
	for _, k := range slices.Sorted(maps.Keys(n.Children)) {
		if c := n.Children[k]; c != nil {
			s.chain(c, root.child(n, c))
		}
	}
}

// tailOf returns the tail of the chain n heads, elems flattened, split
// at element at.
func tailOf(n *plan.Node, elems []element, at int, root chainRoot) (Tail, dsl.Diagnostics) {
	t := Tail{File: root.file, Name: root.name, Global: root.global, Skip: at, Root: n}
	for _, e := range elems[at:] {
		if e.n != nil {
			t.Nodes = append(t.Nodes, e.n)
		}
	}
	loaded := elems // what Python resolves to load the tail
	if n.Kind == plan.NodePipeline && n.Section == "" {
		// An inline pipeline a composite holds ("cors authtoken
		// app", an OpenStack pipeline selector's value) has no name
		// that loads it: its words are looked up one by one. Its app
		// has one.
		inline := 0
		for _, f := range n.Filters {
			inline += len(flatten(&plan.Node{Kind: plan.NodeFilterApp, Filter: f})) - 1
		}
		if at < inline {
			e := elems[at].n
			d := &dsl.Diagnostic{Pos: n.Pos}
			if e.Section != "" {
				d.Related = []dsl.Related{{Pos: e.Pos, Msg: "[" + e.Section + "]"}}
			}
			d.Msg = fmt.Sprintf("%s has no Go factory, so it and what follows it run in Python, which loads a chain by its name; but it is in %q, a composite's inline pipeline, which has no name: give that pipeline a [pipeline:] section and name the section in the composite instead (an inline pipeline can hand Python its app only)",
				e.Ref.Text, n.Name)
			return t, dsl.Diagnostics{d}
		}
		t.Name, t.Skip, t.Root = n.App.Name, at-inline, n.App
		loaded = elems[inline:]
	}
	// Python's PasteDeploy resolves every element of the chain it
	// loads, the Go ones in front included (it creates only the tail):
	// a reference only Go knows fails there.
	var errs dsl.Diagnostics
	for _, e := range loaded {
		if e.n != nil && goOnly(e.n.Ref.Text) {
			errs = append(errs, &dsl.Diagnostic{Pos: e.n.Ref.Pos, Msg: fmt.Sprintf("[%s]: %s is pasteserve's own reference, which Python's PasteDeploy cannot resolve, and the Python workers resolve every element of %q to load the part from %s on: name the factory by the reference of its Python original (pasteserve factories lists them)",
				e.n.Section, e.n.Ref.Text, t.Name, elems[at].n.Ref.Text)})
		}
	}
	if len(errs) > 0 {
		return t, errs
	}
	return t, nil
}

// root builds the whole plan n.
func (b *builder) root(n *plan.Node) http.Handler {
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
