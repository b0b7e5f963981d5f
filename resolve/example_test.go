package resolve_test

import (
	"errors"
	"fmt"

	_ "github.com/pasteserve/pasteserve/builtin" // the built-ins, in factory.Default
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/graph"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/resolve"
)

// Resolve the bundled example's main app into a plan: which factory
// makes each object, with which configuration, from which section, and
// how they nest. No factory is called; with a Registry the urlmap's
// children are resolved too. An app that is not there is a
// *NotFoundError, for errors.As, at the position of what asked for it.
func ExampleResolver_Resolve() {
	r := &resolve.Resolver{Registry: factory.Default}
	n, err := r.Resolve("../testdata/paste/example.ini", "main", plan.TypeApp, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(graph.Expr(n))
	plan.Walk(n, func(n *plan.Node) {
		if n.Kind == plan.NodeFactory {
			// Positions carry the file's absolute path; the line and
			// column are printed here to keep the output portable.
			fmt.Printf("[%s] at %d:%d: %s\n", n.Section, n.Pos.Line, n.Pos.Column, n.Ref.Text)
		}
	})

	_, err = r.Resolve("../testdata/paste/example.ini", "nosuch", plan.TypeApp, nil)
	var nf *resolve.NotFoundError
	fmt.Println(errors.As(err, &nf))
	fmt.Println(err)
	// Output:
	// egg:Paste#urlmap{/=egg:pasteserve#versions, /healthcheck=oslo_middleware:Healthcheck.app_factory, /v1=egg:oslo.middleware#cors(oslo_middleware:RequestId.factory(oslo_middleware:CatchErrors.factory(egg:pasteserve#echo)))}
	// [composite:main] at 7:1: egg:Paste#urlmap
	// [app:versions] at 31:1: egg:pasteserve#versions
	// [app:healthcheck] at 37:1: oslo_middleware:Healthcheck.app_factory
	// [filter:cors] at 20:1: egg:oslo.middleware#cors
	// [filter:request_id] at 25:1: oslo_middleware:RequestId.factory
	// [filter:catch_errors] at 28:1: oslo_middleware:CatchErrors.factory
	// [app:echo] at 34:1: egg:pasteserve#echo
	// true
	// ../testdata/paste/example.ini: no app named "nosuch" in example.ini (looked for [app:NAME], [application:NAME], [composite:NAME], [composit:NAME], [pipeline:NAME], [filter-app:NAME]); it has [composite:main], [pipeline:api_v1], [app:versions], [app:echo], [app:healthcheck]
}
