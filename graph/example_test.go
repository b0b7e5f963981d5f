package graph_test

import (
	"fmt"
	"os"

	"github.com/pasteserve/pasteserve/graph"
	"github.com/pasteserve/pasteserve/plan"
)

// A plan is pure data: this one is what "[pipeline:main] pipeline = cors
// app" resolves to, written by hand.
func pipeline() *plan.Node {
	cors := &plan.Node{Kind: plan.NodeFactory, Type: plan.TypeFilter, Section: "filter:cors",
		Ref: plan.Ref{Text: "egg:oslo.middleware#cors"}}
	app := &plan.Node{Kind: plan.NodeFactory, Type: plan.TypeApp, Section: "app:app",
		Ref: plan.Ref{Text: "egg:pasteserve#echo"}}
	return &plan.Node{Kind: plan.NodePipeline, Type: plan.TypeApp, Section: "pipeline:main",
		Filters: []*plan.Node{cors}, App: app}
}

func ExampleExpr() {
	fmt.Println(graph.Expr(pipeline()))
	// Output: egg:oslo.middleware#cors(egg:pasteserve#echo)
}

func ExampleWriteMermaid() {
	graph.WriteMermaid(os.Stdout, pipeline())
	// Output:
	// flowchart TD
	//   n0["[pipeline:main]<br/>pipeline"]
	//   n1["[filter:cors]<br/>egg:oslo.middleware#cors"]
	//   n2["[app:app]<br/>egg:pasteserve#echo"]
	//   n0 -->|"filter 1"| n1
	//   n0 -->|"app"| n2
}
