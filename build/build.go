package build

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/justinas/alice"
	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/redact"
)

// Handler makes the handler that n describes, calling factories from reg:
// a pipeline becomes an alice chain with its first filter outermost, a
// filter-app or filter-with node the filter applied to its app. n must be
// an app (Type TypeApp), and a whole plan: one that resolution returned
// with an error, which has nil parts, is refused (Check takes it).
//
// Handler does not stop at the first error, as go/scanner does not: every
// factory of the plan is called, and the error is a dsl.Diagnostics
// listing every problem, sorted by position. A part that fails is
// replaced by a stand-in so that the rest can be built; the stand-ins
// never escape, since Handler then returns no handler. A composite's
// GetApp hands out such stand-ins too (with a nil error) when the child
// fails, so that its siblings are built and checked.
//
// Handler builds every element in Go: a reference with no registered
// factory is an error. Options.Handler can hand such parts to a Foreign
// runtime instead.
func Handler(n *plan.Node, reg *factory.Registry) (http.Handler, error) {
	return Options{}.Handler(n, reg)
}

// Check builds n as Handler does, calling every factory, and returns
// every error Handler would; the handler it makes is thrown away. It is
// what pasteserve check runs, to report every problem serve would meet
// before it listens.
//
// n may be a plan that resolution returned with its error: the parts that
// failed to resolve (nil in the plan) are skipped, since resolution
// reported them, and the rest is built, so that the errors of both show
// at once. A nil n is no error.
//
// With allowUnregistered, a reference with no registered factory at all
// is skipped too, without an error, so that a file whose Python
// factories have no Go counterpart yet can be checked for everything
// else (pasteserve check --allow-unregistered, which warns about those
// references itself). Without it such a reference is the error Handler
// gives. A reference registered as another kind of object is an error
// either way.
func Check(n *plan.Node, reg *factory.Registry, allowUnregistered bool) error {
	return Options{AllowUnregistered: allowUnregistered}.Check(n, reg)
}

// builder builds one plan, collecting the errors it meets.
type builder struct {
	reg              *factory.Registry
	opts             Options
	partial          bool // the plan may have nil parts (Check)
	skipUnregistered bool
	errs             dsl.Diagnostics
	seen             map[string]bool // "pos: message" of every error in errs
	// sites is how each Go composite is loaded, with a Foreign (see
	// builder.root): where its children's tails are loaded from.
	sites map[*plan.Node]chainRoot
}

// unresolved handles a nil part of the plan, one that failed to resolve.
// Check skips it: resolution reported why. Handler refuses the plan.
func (b *builder) unresolved(parent *plan.Node) {
	if b.partial {
		return
	}
	var pos dsl.Pos
	if parent != nil {
		pos = parent.Pos
	}
	b.report(pos, errors.New("the plan has a part that did not resolve: build a plan only when Resolve returned no error"))
}

// failedApp and failedFilter stand in for parts that failed to build.
var (
	failedApp    http.Handler       = http.NotFoundHandler()
	failedFilter factory.Middleware = func(h http.Handler) http.Handler { return h }
)

// report records err, positioned at pos unless it carries positions of
// its own. An error met twice (a section reached along two paths, or a
// factory that returns its Config's errors) is kept once.
func (b *builder) report(pos dsl.Pos, err error) {
	var ds dsl.Diagnostics
	if !errors.As(err, &ds) {
		ds = dsl.Diagnostics{{Pos: pos, Msg: err.Error()}}
	}
	if b.seen == nil {
		b.seen = map[string]bool{}
	}
	for _, d := range ds {
		if k := d.Error(); !b.seen[k] {
			b.seen[k] = true
			b.errs = append(b.errs, d)
		}
	}
}

func (b *builder) err() error {
	if len(b.errs) == 0 {
		return nil
	}
	b.errs.Sort()
	return b.errs
}

// app builds n, an app of the plan; parent is the node that holds it,
// for an error about a part missing from the plan.
func (b *builder) app(n, parent *plan.Node) http.Handler {
	if n == nil {
		b.unresolved(parent)
		return failedApp
	}
	switch n.Kind {
	case plan.NodePipeline:
		h := b.app(n.App, n)
		mws := make([]alice.Constructor, 0, len(n.Filters))
		for _, fn := range n.Filters {
			mws = append(mws, alice.Constructor(b.filter(fn, n)))
		}
		return alice.New(mws...).Then(h)
	case plan.NodeFilterApp:
		// PasteDeploy's creation order: the next app, then the filter.
		h := b.app(n.App, n)
		return b.notNil(b.filter(n.Filter, n)(h), n.Filter)
	case plan.NodeFilterWith:
		// PasteDeploy's creation order: the filter, then the app.
		mw := b.filter(n.Filter, n)
		h := b.app(n.App, n)
		return b.notNil(mw(h), n.Filter)
	}
	f, ok := b.factory(n, plan.TypeApp)
	if !ok {
		return failedApp
	}
	cfg := factory.ConfigFor(n)
	var h http.Handler
	var err error
	if f.Kind == factory.KindComposite {
		h, err = f.Composite(&compositeLoader{b: b, n: n}, cfg)
	} else {
		h, err = f.App(cfg)
	}
	if b.factoryErr(n, cfg, err) {
		return failedApp
	}
	return b.notNil(h, n)
}

// filter builds n, a filter of the plan, as app builds an app.
func (b *builder) filter(n, parent *plan.Node) factory.Middleware {
	if n == nil {
		b.unresolved(parent)
		return failedFilter
	}
	if n.Kind == plan.NodeFilterWith {
		outer := b.filter(n.Filter, n)
		inner := b.filter(n.App, n)
		return func(h http.Handler) http.Handler { return outer(inner(h)) }
	}
	f, ok := b.factory(n, plan.TypeFilter)
	if !ok {
		return failedFilter
	}
	cfg := factory.ConfigFor(n)
	mw, err := f.Filter(cfg)
	if b.factoryErr(n, cfg, err) {
		return failedFilter
	}
	if mw == nil {
		b.report(n.Ref.Pos, fmt.Errorf("the factory for %s returned no middleware", n.Ref.Text))
		return failedFilter
	}
	return mw
}

// factory looks up n's factory, reporting why there is none. With
// skipUnregistered, a reference nothing is registered for is skipped
// silently.
func (b *builder) factory(n *plan.Node, t plan.ObjectType) (*factory.Factory, bool) {
	f, err := b.reg.Find(n.Ref.Text, t)
	if err != nil {
		known := b.reg.Knows(n.Ref.Text)
		if !known && b.opts.Foreign == nil {
			err = fmt.Errorf("%v; to run it in Python, give --python /usr/bin/python3 (docs/python.md)", err)
		}
		if !b.skipUnregistered || known {
			b.report(n.Ref.Pos, fmt.Errorf("[%s]: %v", n.Section, err))
		}
		return nil, false
	}
	return f, true
}

// factoryErr reports what a factory call went wrong with: the errors its
// Config recorded and the error it returned, positioned at its section
// unless the factory positioned it. It reports whether there was any.
func (b *builder) factoryErr(n *plan.Node, cfg *factory.Config, err error) bool {
	failed := false
	if cerr := cfg.Err(); cerr != nil {
		b.report(n.Pos, cerr)
		failed = true
	}
	if err != nil {
		err = maskFactoryErr(n, err) // as Config.Errorf masks: factories quote what they got
		if _, ok := err.(dsl.Diagnostics); !ok {
			err = fmt.Errorf("[%s] (%s): %v", n.Section, n.Ref.Text, err)
		}
		b.report(n.Pos, err)
		failed = true
	}
	return failed
}

// notNil guards against a factory returning a nil handler, which alice
// would silently replace with http.DefaultServeMux.
func (b *builder) notNil(h http.Handler, n *plan.Node) http.Handler {
	if h == nil {
		b.report(n.Pos, fmt.Errorf("[%s]: the factory for %s returned no handler", n.Section, n.Ref.Text))
		return failedApp
	}
	return h
}

// compositeLoader is the Loader a composite factory gets: it builds the
// children the plan resolved for the composite, and nothing else.
// Resolution resolved every child the factory's Children declared, in
// the file that defines the composite; building never goes back to the
// files, so a name the factory did not declare is an error that names
// the composite's section.
type compositeLoader struct {
	b      *builder
	n      *plan.Node
	byName map[string]*plan.Node
}

func (l *compositeLoader) GetApp(name string) (http.Handler, error) {
	if l.byName == nil {
		l.byName = make(map[string]*plan.Node, len(l.n.Children))
		for _, c := range l.n.Children {
			if c != nil {
				l.byName[c.Name] = c
			}
		}
		// A child that failed to resolve is nil in the plan: the name
		// it was asked for says which one it is.
		for _, name := range l.n.FailedChildren {
			l.byName[name] = nil
		}
	}
	c, ok := l.byName[name]
	if !ok {
		l.b.report(l.n.Pos, fmt.Errorf("[%s]: composite %s asked for %q, which its factory's Children did not declare; a composite can load only the children it declares", l.n.Section, l.n.Ref.Text, name))
		return failedApp, nil
	}
	if c == nil {
		return l.b.app(c, l.n), nil // a stand-in: resolution reported it
	}
	var wrap func(http.Handler) http.Handler
	if l.b.opts.Child != nil {
		wrap = l.b.opts.Child(l.n, c)
	}
	h := l.b.chain(c, l.n, l.b.sites[l.n].child(l.n, c))
	if wrap != nil {
		h = wrap(h)
	}
	return h, nil
}

// maskFactoryErr returns err, which n's factory returned, with its
// message masked as factory.Config.Errorf masks one; diagnostics keep
// their positions.
// A factory's own error ("cannot connect to mysql://nova:pw@db/nova")
// quotes what it was given as freely as one recorded through Errorf.
func maskFactoryErr(n *plan.Node, err error) error {
	s := redact.Collect(n.Local, n.Global)
	ds, ok := err.(dsl.Diagnostics)
	if !ok {
		if msg := s.Text(err.Error()); msg != err.Error() {
			return errors.New(msg)
		}
		return err
	}
	out := make(dsl.Diagnostics, len(ds))
	for i, d := range ds {
		m := *d
		m.Msg = s.Text(d.Msg)
		m.Related = nil
		for _, r := range d.Related {
			m.Related = append(m.Related, dsl.Related{Pos: r.Pos, Msg: s.Text(r.Msg)})
		}
		out[i] = &m
	}
	return out
}
