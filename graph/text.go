package graph

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/redact"
)

// Expr renders n on one line: a factory node is its reference, a filter
// applied to X is REF(X), and a composite REF{key=X, key=Y} with its
// children's keys sorted. "pipeline = f1 f2 app" of egg references prints
// egg:X#f1(egg:X#f2(egg:X#app)). It prints no configuration values, so
// it has no secrets to mask (see Options.ShowSecrets).
//
// Of opts, only the first counts, and of it only RunsIn: a part that
// runs in Python, inside a part that does not, prints as python[...]:
// egg:X#f1(python[mod:f2(mod:app)]).
func Expr(n *plan.Node, opts ...Options) string {
	e := exprWriter{}
	if len(opts) > 0 {
		e.opts = opts[0]
	}
	e.expr(n, false)
	return e.b.String()
}

type exprWriter struct {
	b    strings.Builder
	opts Options
}

// python reports whether n runs in Python.
func (e *exprWriter) python(n *plan.Node) bool { return e.opts.runsIn(n) == "Python" }

// expr writes n; inPython says its parent runs in Python already.
func (e *exprWriter) expr(n *plan.Node, inPython bool) {
	if !inPython && e.python(n) {
		e.b.WriteString("python[")
		e.expr(n, true)
		e.b.WriteByte(']')
		return
	}
	b := &e.b
	switch n.Kind {
	case plan.NodePipeline:
		e.applyFilters(n.Filters, n.App, inPython)
	case plan.NodeFilterApp, plan.NodeFilterWith:
		if n.Type == plan.TypeFilter {
			// A filter with filter-with: the filter-with filter goes
			// outside.
			e.expr(n.Filter, inPython)
			b.WriteByte('(')
			e.expr(n.App, inPython)
			b.WriteByte(')')
			return
		}
		e.applyFilters([]*plan.Node{n.Filter}, n.App, inPython)
	default:
		b.WriteString(n.Ref.Text)
		if n.Children != nil || n.Protocol == plan.ProtoComposite {
			b.WriteByte('{')
			for i, k := range sortedKeys(n.Children) {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(k)
				b.WriteByte('=')
				e.expr(n.Children[k], inPython)
			}
			b.WriteByte('}')
		}
	}
}

// applyFilters writes filters[0](filters[1](...(app))), unfolding filters
// that themselves carry filter-with. The first filter that runs in
// Python opens python[, closed after its own parenthesis: what it wraps
// runs in Python too.
func (e *exprWriter) applyFilters(filters []*plan.Node, app *plan.Node, inPython bool) {
	var closers []string
	var push func(f *plan.Node)
	push = func(f *plan.Node) {
		if f.Kind == plan.NodeFilterWith {
			push(f.Filter)
			push(f.App)
			return
		}
		closer := ")"
		if !inPython && e.python(f) {
			e.b.WriteString("python[")
			closer, inPython = ")]", true
		}
		e.b.WriteString(f.Ref.Text)
		e.b.WriteByte('(')
		closers = append(closers, closer)
	}
	for _, f := range filters {
		push(f)
	}
	e.expr(app, inPython)
	for i := len(closers) - 1; i >= 0; i-- {
		e.b.WriteString(closers[i])
	}
}

// Options controls WriteText and JSON.
type Options struct {
	// Registry marks references that have no registered factory.
	Registry *factory.Registry
	// BaseDir, when set, shortens file names in positions to paths
	// relative to it.
	BaseDir string
	// ShowSecrets prints configuration values as written. Without it,
	// values are printed as redact.Value masks them: the values of keys
	// that name secrets (admin_password, memcache_secret_key, ...) and
	// the passwords of URLs are "****".
	ShowSecrets bool
	// RunsIn, when set, says where each node runs ("Go", "Python",
	// "Go, then Python"; build.Places has them, for pasteserve graph
	// --python); WriteText prints it in brackets after each node's
	// factory, JSON as runs_in, and the pictures as a label line. ""
	// prints nothing.
	RunsIn func(*plan.Node) string
}

// runsIn returns where n runs, or "".
func (o Options) runsIn(n *plan.Node) string {
	if o.RunsIn == nil || n == nil {
		return ""
	}
	return o.RunsIn(n)
}

// local returns the configuration of n to print: masked by redact.Map,
// which also masks a secret of global_conf interpolated into a local
// value ("basic = user:%(db_pass)s").
func (o Options) local(n *plan.Node) map[string]string {
	if o.ShowSecrets {
		return n.Local
	}
	return redact.Map(n.Local, n.Global)
}

// WriteText prints n as an indented tree: one line per object with its
// section, kind, factory reference and source position, then its local
// configuration (secrets masked unless opts.ShowSecrets), then what it
// contains.
func WriteText(w io.Writer, n *plan.Node, opts Options) error {
	var b strings.Builder
	writeText(&b, n, "", "", opts)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeText(b *strings.Builder, n *plan.Node, indent, label string, opts Options) {
	b.WriteString(indent)
	b.WriteString(label)
	for _, v := range n.Via {
		fmt.Fprintf(b, "[%s] use ", v)
	}
	if n.Section != "" {
		fmt.Fprintf(b, "[%s] ", n.Section)
	}
	switch n.Kind {
	case plan.NodeFactory:
		kind := n.Type.String()
		if n.Children != nil || n.Protocol == plan.ProtoComposite {
			kind = "composite"
		}
		fmt.Fprintf(b, "%s %s", kind, n.Ref.Text)
		if opts.Registry != nil {
			if f, ok := opts.Registry.Lookup(n.Ref.Text, n.Type); ok {
				fmt.Fprintf(b, " (%s)", f.Name)
			} else {
				b.WriteString(" (unregistered)")
			}
		}
	default:
		b.WriteString(n.Kind.String())
	}
	if where := opts.runsIn(n); where != "" {
		fmt.Fprintf(b, " [%s]", where)
	}
	fmt.Fprintf(b, "  %s\n", shortPos(n.Pos, opts.BaseDir))
	in := indent + "    "
	local := opts.local(n)
	if n.Kind == plan.NodeFilterApp {
		local = nil // its filter shows them, merged with what it uses
	}
	for _, k := range sortedKeys(local) {
		fmt.Fprintf(b, "%s%s = %q\n", in, k, local[k])
	}
	switch n.Kind {
	case plan.NodePipeline:
		for _, f := range n.Filters {
			writeText(b, f, in, "filter ", opts)
		}
		writeText(b, n.App, in, "app ", opts)
	case plan.NodeFilterApp, plan.NodeFilterWith:
		writeText(b, n.Filter, in, "filter ", opts)
		writeText(b, n.App, in, "wraps ", opts)
	default:
		for _, k := range sortedKeys(n.Children) {
			writeText(b, n.Children[k], in, k+" -> ", opts)
		}
	}
}

func shortPos(p dsl.Pos, base string) string {
	if base != "" {
		if rel, err := filepath.Rel(base, p.Filename); err == nil {
			p.Filename = filepath.ToSlash(rel)
		}
	}
	return p.String()
}

// JSONNode is the JSON form of a Node (pasteserve graph --format json).
type JSONNode struct {
	Kind       string               `json:"kind"`
	Type       string               `json:"type"`
	Name       string               `json:"name,omitempty"`
	Section    string               `json:"section,omitempty"`
	Via        []string             `json:"via,omitempty"`
	Position   string               `json:"position,omitempty"`
	Ref        string               `json:"ref,omitempty"`
	Protocol   string               `json:"protocol,omitempty"`
	Factory    string               `json:"factory,omitempty"`
	Registered *bool                `json:"registered,omitempty"`
	RunsIn     string               `json:"runs_in,omitempty"`
	Local      map[string]string    `json:"local_conf,omitempty"`
	Filters    []*JSONNode          `json:"filters,omitempty"`
	App        *JSONNode            `json:"app,omitempty"`
	Filter     *JSONNode            `json:"filter,omitempty"`
	Children   map[string]*JSONNode `json:"children,omitempty"`
}

// JSON converts n to its JSON form, with secrets in local_conf masked
// unless opts.ShowSecrets.
func JSON(n *plan.Node, opts Options) *JSONNode {
	if n == nil {
		return nil
	}
	g := &JSONNode{Kind: n.Kind.String(), Type: n.Type.String(), Name: n.Name, Section: n.Section, Via: n.Via,
		Position: shortPos(n.Pos, opts.BaseDir), Ref: n.Ref.Text, Protocol: string(n.Protocol), RunsIn: opts.runsIn(n)}
	if len(n.Local) > 0 {
		g.Local = opts.local(n)
	}
	if n.Kind == plan.NodeFactory && opts.Registry != nil {
		f, ok := opts.Registry.Lookup(n.Ref.Text, n.Type)
		g.Registered = &ok
		if ok {
			g.Factory = f.Name
		}
	}
	for _, f := range n.Filters {
		g.Filters = append(g.Filters, JSON(f, opts))
	}
	g.App, g.Filter = JSON(n.App, opts), JSON(n.Filter, opts)
	if len(n.Children) > 0 {
		g.Children = map[string]*JSONNode{}
		for k, c := range n.Children {
			g.Children[k] = JSON(c, opts)
		}
	}
	return g
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
