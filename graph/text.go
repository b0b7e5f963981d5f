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
func Expr(n *plan.Node) string {
	var b strings.Builder
	writeExpr(&b, n)
	return b.String()
}

func writeExpr(b *strings.Builder, n *plan.Node) {
	switch n.Kind {
	case plan.NodePipeline:
		applyFilters(b, n.Filters, n.App)
	case plan.NodeFilterApp, plan.NodeFilterWith:
		if n.Type == plan.TypeFilter {
			// A filter with filter-with: the filter-with filter goes
			// outside.
			writeExpr(b, n.Filter)
			b.WriteByte('(')
			writeExpr(b, n.App)
			b.WriteByte(')')
			return
		}
		applyFilters(b, []*plan.Node{n.Filter}, n.App)
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
				writeExpr(b, n.Children[k])
			}
			b.WriteByte('}')
		}
	}
}

// applyFilters writes filters[0](filters[1](...(app))), unfolding filters
// that themselves carry filter-with.
func applyFilters(b *strings.Builder, filters []*plan.Node, app *plan.Node) {
	var open int
	var push func(f *plan.Node)
	push = func(f *plan.Node) {
		if f.Kind == plan.NodeFilterWith {
			push(f.Filter)
			push(f.App)
			return
		}
		b.WriteString(f.Ref.Text)
		b.WriteByte('(')
		open++
	}
	for _, f := range filters {
		push(f)
	}
	writeExpr(b, app)
	b.WriteString(strings.Repeat(")", open))
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
		Position: shortPos(n.Pos, opts.BaseDir), Ref: n.Ref.Text, Protocol: string(n.Protocol)}
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
