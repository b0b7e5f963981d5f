package graph

import (
	"fmt"
	"io"
	"strings"

	"github.com/pasteserve/pasteserve/plan"
)

// edge is a labelled parent-child link in a plan picture.
type edge struct {
	from, to int
	label    string
}

// picture numbers the nodes of a plan and lists its edges, the common
// ground of the DOT and Mermaid forms. Labels are section names, factory
// references and composite keys, never configuration values: a value
// added here must go through redact.Value, as WriteText's do.
func picture(n *plan.Node, opts []Options) (labels []string, edges []edge) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	var visit func(n *plan.Node) int
	visit = func(n *plan.Node) int {
		id := len(labels)
		label := n.Kind.String()
		if n.Kind == plan.NodeFactory {
			label = n.Ref.Text
		}
		if n.Section != "" {
			label = "[" + n.Section + "]\n" + label
		}
		if where := o.runsIn(n); where != "" {
			label += "\nin " + where
		}
		labels = append(labels, label)
		link := func(c *plan.Node, l string) { edges = append(edges, edge{id, visit(c), l}) }
		for i, f := range n.Filters {
			link(f, fmt.Sprintf("filter %d", i+1))
		}
		if n.Filter != nil {
			link(n.Filter, "filter")
		}
		if n.App != nil {
			l := "app"
			if n.Kind != plan.NodePipeline {
				l = "wraps"
			}
			link(n.App, l)
		}
		for _, k := range sortedKeys(n.Children) {
			link(n.Children[k], k)
		}
		return id
	}
	visit(n)
	return labels, edges
}

// WriteDot prints the plan as a Graphviz digraph. Of opts, only the
// first counts, and of it only RunsIn.
func WriteDot(w io.Writer, n *plan.Node, opts ...Options) error {
	labels, edges := picture(n, opts)
	var b strings.Builder
	b.WriteString("digraph paste {\n  node [shape=box, fontname=\"monospace\"];\n")
	for i, l := range labels {
		fmt.Fprintf(&b, "  n%d [label=%q];\n", i, l)
	}
	for _, e := range edges {
		fmt.Fprintf(&b, "  n%d -> n%d [label=%q];\n", e.from, e.to, e.label)
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMermaid prints the plan as a Mermaid flowchart. Of opts, only
// the first counts, and of it only RunsIn.
func WriteMermaid(w io.Writer, n *plan.Node, opts ...Options) error {
	labels, edges := picture(n, opts)
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	esc := func(s string) string {
		return strings.NewReplacer(`"`, "#quot;", "\n", "<br/>").Replace(s)
	}
	for i, l := range labels {
		fmt.Fprintf(&b, "  n%d[\"%s\"]\n", i, esc(l))
	}
	for _, e := range edges {
		fmt.Fprintf(&b, "  n%d -->|\"%s\"| n%d\n", e.from, esc(e.label), e.to)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
