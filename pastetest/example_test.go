package pastetest_test

import (
	"fmt"

	_ "github.com/pasteserve/pasteserve/builtin" // every built-in, as the served binary has them
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/pastetest"
)

// Plan is the text a golden file holds: in a test,
//
//	pastetest.Golden(t, "../testdata/paste/example.ini", "main")
//
// compares it with example.ini.main.graph.golden next to the file (go
// test -update writes it). Positions are relative to the file's
// directory, so the golden file does not depend on where the repository
// is checked out.
func ExamplePlan() {
	fmt.Print(string(pastetest.Plan("../testdata/paste/example.ini", "main", factory.Default, nil)))
	// Output:
	// [composite:main] composite egg:Paste#urlmap (urlmap)  example.ini:7:1
	//     / = "versions"
	//     /healthcheck = "healthcheck"
	//     /v1 = "api_v1"
	//     / -> [app:versions] app egg:pasteserve#versions (versions)  example.ini:31:1
	//     /healthcheck -> [app:healthcheck] app oslo_middleware:Healthcheck.app_factory (healthcheck)  example.ini:37:1
	//         backends = "disable_by_file"
	//         disable_by_file_path = "/tmp/example-healthcheck-disable"
	//     /v1 -> [pipeline:api_v1] pipeline  example.ini:13:1
	//         filter [filter:cors] filter egg:oslo.middleware#cors (cors)  example.ini:20:1
	//             allowed_origin = "https://dashboard.example.com"
	//             max_age = "3600"
	//         filter [filter:request_id] filter oslo_middleware:RequestId.factory (request_id)  example.ini:25:1
	//         filter [filter:catch_errors] filter oslo_middleware:CatchErrors.factory (catch_errors)  example.ini:28:1
	//         app [app:echo] app egg:pasteserve#echo (echo)  example.ini:34:1
}
