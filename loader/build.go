package loader

import (
	"fmt"
	"net/http"

	"github.com/justinas/alice"
	"github.com/pasteserve/pasteserve/dsl"
)

// Build makes the handler that n describes, calling factories from reg:
// a pipeline becomes an alice chain with its first filter outermost, a
// filter-app or filter-with node the filter applied to its app. n must be
// an app (Type TypeApp).
func Build(n *Node, reg *Registry) (http.Handler, error) {
	b := &builder{reg: reg}
	return b.app(n)
}

// BuildFilter makes the middleware that n, a filter, describes.
func BuildFilter(n *Node, reg *Registry) (Middleware, error) {
	b := &builder{reg: reg}
	return b.filter(n)
}

type builder struct {
	reg *Registry
}

func (b *builder) app(n *Node) (http.Handler, error) {
	switch n.Kind {
	case NodePipeline:
		h, err := b.app(n.App)
		if err != nil {
			return nil, err
		}
		mws := make([]alice.Constructor, 0, len(n.Filters))
		for _, fn := range n.Filters {
			mw, err := b.filter(fn)
			if err != nil {
				return nil, err
			}
			mws = append(mws, alice.Constructor(mw))
		}
		return alice.New(mws...).Then(h), nil
	case NodeFilterApp:
		// PasteDeploy's creation order: the next app, then the filter.
		h, err := b.app(n.App)
		if err != nil {
			return nil, err
		}
		mw, err := b.filter(n.Filter)
		if err != nil {
			return nil, err
		}
		return notNil(mw(h), n.Filter)
	case NodeFilterWith:
		// PasteDeploy's creation order: the filter, then the app.
		mw, err := b.filter(n.Filter)
		if err != nil {
			return nil, err
		}
		h, err := b.app(n.App)
		if err != nil {
			return nil, err
		}
		return notNil(mw(h), n.Filter)
	}
	f, err := b.factory(n, TypeApp)
	if err != nil {
		return nil, err
	}
	cfg := newConfig(n)
	var h http.Handler
	if f.Kind == KindComposite {
		h, err = f.Composite(&compositeLoader{b: b, n: n}, cfg)
	} else {
		h, err = f.App(cfg)
	}
	if err == nil {
		err = cfg.Err()
	}
	if err != nil {
		return nil, factoryErr(n, err)
	}
	return notNil(h, n)
}

func (b *builder) filter(n *Node) (Middleware, error) {
	if n.Kind == NodeFilterWith {
		outer, err := b.filter(n.Filter)
		if err != nil {
			return nil, err
		}
		inner, err := b.filter(n.App)
		if err != nil {
			return nil, err
		}
		return func(h http.Handler) http.Handler { return outer(inner(h)) }, nil
	}
	f, err := b.factory(n, TypeFilter)
	if err != nil {
		return nil, err
	}
	cfg := newConfig(n)
	mw, err := f.Filter(cfg)
	if err == nil {
		err = cfg.Err()
	}
	if err != nil {
		return nil, factoryErr(n, err)
	}
	if mw == nil {
		return nil, posErr(n.Ref.Pos, "the factory for %s returned no middleware", n.Ref.Text)
	}
	return mw, nil
}

func (b *builder) factory(n *Node, t ObjectType) (*Factory, error) {
	f, err := b.reg.lookup(n.Ref.Text, t)
	if err != nil {
		return nil, posErr(n.Ref.Pos, "[%s]: %v", n.Section, err)
	}
	return f, nil
}

// factoryErr positions a factory's error at its section unless the
// factory already positioned it.
func factoryErr(n *Node, err error) error {
	if _, ok := err.(dsl.Diagnostics); ok {
		return err
	}
	return posErr(n.Pos, "[%s] (%s): %v", n.Section, n.Ref.Text, err)
}

// notNil guards against a factory returning a nil handler, which alice
// would silently replace with http.DefaultServeMux.
func notNil(h http.Handler, n *Node) (http.Handler, error) {
	if h == nil {
		return nil, posErr(n.Pos, "[%s]: the factory for %s returned no handler", n.Section, n.Ref.Text)
	}
	return h, nil
}

// compositeLoader is the Loader a composite factory gets: it builds the
// children the plan resolved, and resolves any other name in the file
// that defines the composite.
type compositeLoader struct {
	b      *builder
	n      *Node
	byName map[string]*Node
}

func (l *compositeLoader) GetApp(name string) (http.Handler, error) {
	if l.byName == nil {
		l.byName = make(map[string]*Node, len(l.n.Children))
		for _, c := range l.n.Children {
			l.byName[c.Name] = c
		}
	}
	if c, ok := l.byName[name]; ok {
		return l.b.app(c)
	}
	child, err := l.resolve(TypeApp, name)
	if err != nil {
		return nil, err
	}
	return l.b.app(child)
}

func (l *compositeLoader) GetFilter(name string) (Middleware, error) {
	child, err := l.resolve(TypeFilter, name)
	if err != nil {
		return nil, err
	}
	return l.b.filter(child)
}

func (l *compositeLoader) resolve(t ObjectType, name string) (*Node, error) {
	if l.n.file == nil {
		return nil, fmt.Errorf("composite %s cannot load %q: it has no file to look in", l.n.Ref.Text, name)
	}
	r := l.n.file.r
	var child *Node
	var err error
	if t == TypeApp {
		child, err = l.n.file.child(name, l.n.Global, l.n.Pos)
	} else {
		child, err = l.n.file.context(t, name, l.n.Global, l.n.Pos)
	}
	if err != nil {
		return nil, err
	}
	if err := r.expand(child); err != nil {
		return nil, err
	}
	return child, nil
}

// Load resolves the app called name (default main) in the paste file at
// path, with global as the caller's global configuration, and builds it
// with reg: what a program that serves a paste file does. Errors carry
// file:line:col; use a Resolver directly to also get the parsed files
// for source excerpts.
func Load(path, name string, global map[string]string, reg *Registry) (http.Handler, error) {
	n, err := (&Resolver{Registry: reg}).Resolve(path, name, TypeApp, global)
	if err != nil {
		return nil, err
	}
	return Build(n, reg)
}
