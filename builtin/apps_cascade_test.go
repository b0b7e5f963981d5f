package builtin

import (
	"testing"

	"github.com/pasteserve/pasteserve/factory"
)

// (Moved from package apps with the paste side of cascade.)
func TestCascadeChildren(t *testing.T) {
	kids := cascadeChildren(factory.NewConfig(map[string]string{"app1": "a", "app2": "b c", "catch": "404"}, nil))
	if len(kids) != 2 || kids["app1"] != "a" || kids["app2"] != "b c" {
		t.Errorf("%v", kids)
	}
}
