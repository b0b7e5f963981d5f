package apps

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/build"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/resolve"
)

// The bundled example builds and serves with the built-in factories.
func TestBundledExampleServes(t *testing.T) {
	r := &resolve.Resolver{Registry: factory.Default}
	n, err := r.Resolve("../testdata/paste/example.ini", "main", plan.TypeApp, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := build.Handler(n, factory.Default)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/":            `"href":"http://example.com/v2.0/"`,
		"/v1/things":   `"script_name": "/v1"`,
		"/healthcheck": "", // OK, or DISABLED BY FILE if /tmp/example-healthcheck-disable exists
	} {
		rec := serveReq(h, httptest.NewRequest("GET", "http://example.com"+path, nil))
		if (rec.Code != 200 && want != "") || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
	}
}
