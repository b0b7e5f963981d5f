package builtin_test

import (
	"fmt"

	_ "github.com/pasteserve/pasteserve/builtin" // registers every built-in in factory.Default
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
)

// Importing builtin, even blank, fills factory.Default: the cors filter
// answers to its Go name and to the Python references real paste files
// use for oslo.middleware's CORS, and its option table and option group
// come from filters.CORSOptions.
func Example() {
	for _, ref := range []string{"egg:pasteserve#cors", "egg:oslo.middleware#cors", "oslo_middleware:CORS.factory"} {
		f, err := factory.Default.Find(ref, plan.TypeFilter)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s -> %s (%s)\n", ref, f.Reference(), f.Package())
	}
	f, _ := factory.Default.Find("egg:pasteserve#cors", plan.TypeFilter)
	table, _ := f.Options()
	for _, o := range table[:2] {
		fmt.Printf("%s.%s = %q\n", o.Group, o.Name, o.Default)
	}
	fmt.Println(f.Groups)
	// Output:
	// egg:pasteserve#cors -> egg:pasteserve#cors (github.com/pasteserve/pasteserve/builtin)
	// egg:oslo.middleware#cors -> egg:pasteserve#cors (github.com/pasteserve/pasteserve/builtin)
	// oslo_middleware:CORS.factory -> egg:pasteserve#cors (github.com/pasteserve/pasteserve/builtin)
	// cors.allowed_origin = ""
	// cors.allow_credentials = "true"
	// [cors]
}
