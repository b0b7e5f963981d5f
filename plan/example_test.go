package plan_test

import (
	"fmt"

	"github.com/pasteserve/pasteserve/plan"
)

// Walk visits a plan parents first: a pipeline, its filters in order,
// then its app.
func ExampleWalk() {
	p := &plan.Node{Kind: plan.NodePipeline, Type: plan.TypeApp, Section: "pipeline:main",
		Filters: []*plan.Node{
			{Kind: plan.NodeFactory, Type: plan.TypeFilter, Section: "filter:request_id", Ref: plan.Ref{Text: "egg:oslo.middleware#request_id"}},
			{Kind: plan.NodeFactory, Type: plan.TypeFilter, Section: "filter:cors", Ref: plan.Ref{Text: "egg:oslo.middleware#cors"}},
		},
		App: &plan.Node{Kind: plan.NodeFactory, Type: plan.TypeApp, Section: "app:api", Ref: plan.Ref{Text: "egg:pasteserve#echo"}}}
	plan.Walk(p, func(n *plan.Node) {
		what := n.Ref.Text
		if n.Kind != plan.NodeFactory {
			what = n.Kind.String()
		}
		fmt.Printf("%-6s [%s] %s\n", n.Type, n.Section, what)
	})
	// Output:
	// app    [pipeline:main] pipeline
	// filter [filter:request_id] egg:oslo.middleware#request_id
	// filter [filter:cors] egg:oslo.middleware#cors
	// app    [app:api] egg:pasteserve#echo
}
