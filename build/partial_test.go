package build

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/plan"
)

// With its error, Resolve returns the plan as far as it resolved, the
// failed parts nil. Check builds the rest, calling its factories
// (here the app's, which fails) and skipping the nil parts, without
// resolving a composite's failed child again; Build refuses the plan.
func TestPartialPlan(t *testing.T) {
	reg := fuzzRegistry()
	n, got, _ := resolveErrs(t, reg, map[string]string{"api.ini": "[pipeline:main]\npipeline = a filter app\n[filter:filter]\nuse = egg:pasteserve#filter\n[app:app]\nuse = egg:pasteserve#app\nfail = yes\n"})
	if n == nil || n.Kind != plan.NodePipeline || len(n.Filters) != 2 || n.Filters[0] != nil || n.Filters[1] == nil || n.App == nil {
		t.Fatalf("plan %+v, want a pipeline with a nil first filter (errors %s)", n, got)
	}
	var walked []string
	plan.Walk(n, func(n *plan.Node) { walked = append(walked, n.Section) })
	if fmt.Sprint(walked) != "[pipeline:main filter:filter app:app]" {
		t.Errorf("Walk visits %v", walked)
	}
	err := Check(n, reg, false)
	if err == nil || err.Error() != strings.Split(err.Error(), "\n")[0] || !strings.Contains(err.Error(), "api.ini:7:1: [app:app] fail: asked to fail: yes") {
		t.Errorf("CheckBuild: %v", err)
	}
	if h, err := Handler(n, reg); h != nil || err == nil || !strings.Contains(err.Error(), "api.ini:1:1: the plan has a part that did not resolve") {
		t.Errorf("Build of a partial plan: %v, %v", h, err)
	}

	// A composite's child that failed is skipped at build time: the
	// composite asks for it, and gets a stand-in without a second error.
	n, got, _ = resolveErrs(t, reg, map[string]string{"api.ini": "[composite:main]\nuse = egg:Paste#urlmap\n/ = nowhere\n/v1 = app\n[app:app]\nuse = egg:pasteserve#app\nfail = yes\n"})
	if n == nil || n.Children["/"] != nil || n.Children["/v1"] == nil || !strings.Contains(got, `api.ini:3:1: no app named "nowhere"`) {
		t.Fatalf("plan %+v, errors %s", n, got)
	}
	if err := Check(n, reg, false); err == nil || strings.Contains(err.Error(), "nowhere") || !strings.Contains(err.Error(), "asked to fail") {
		t.Errorf("CheckBuild: %v", err)
	}
	if err := Check(nil, reg, false); err != nil {
		t.Errorf("Check(nil): %v", err)
	}
}

// A plan without errors builds to the same handler, with the same
// errors, through Handler and Check; with allowUnregistered only the
// unregistered reference goes.
func TestCheckBuildIsBuild(t *testing.T) {
	reg := fuzzRegistry()
	n, got, _ := resolveErrs(t, reg, map[string]string{"api.ini": "[pipeline:main]\npipeline = egg:Nowhere#f filter app\n[filter:filter]\nuse = egg:pasteserve#filter\nfail = yes\n[app:app]\nuse = egg:pasteserve#app\n"})
	if got != "<nil>" {
		t.Fatal(got)
	}
	_, berr := Handler(n, reg)
	cerr := Check(n, reg, false)
	if berr == nil || cerr == nil || berr.Error() != cerr.Error() || !strings.Contains(cerr.Error(), "egg:Nowhere#f") {
		t.Errorf("Build: %v\nCheckBuild: %v", berr, cerr)
	}
	if err := Check(n, reg, true); err == nil || strings.Contains(err.Error(), "Nowhere") || !strings.Contains(err.Error(), "asked to fail") {
		t.Errorf("CheckBuild allowing unregistered: %v", err)
	}
}
