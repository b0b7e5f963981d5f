package build

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/resolve"
)

// Options.Child is called for each child a composite loads, before the
// child is built, nested as the plan is; what it returns wraps the
// child once built, innermost first, and serves in its place. Seen
// failing with the wrapper's result left unused (the handler served
// without it).
func TestChildWrapsEachCompositeChild(t *testing.T) {
	reg := traceRegistry()
	// first: a composite that serves its child "app".
	reg.Register(factory.Factory{Name: "first", Namespace: "pasteserve", Kind: factory.KindComposite,
		Children: func(cfg *factory.Config) map[string]string { return map[string]string{"/x": cfg.Local["/x"]} },
		Composite: func(l factory.Loader, cfg *factory.Config) (http.Handler, error) {
			return l.GetApp(cfg.Local["/x"])
		}})
	const src = "[composite:main]\nuse = egg:pasteserve#first\n/x = inner\n" +
		"[composite:inner]\nuse = egg:pasteserve#first\n/x = app\n" +
		"[app:app]\nuse = egg:pasteserve#echo-trace\n"
	dir := files(t, map[string]string{"api.ini": src})
	n, err := (&resolve.Resolver{Registry: reg}).Resolve(filepath.Join(dir, "api.ini"), "main", plan.TypeApp, nil)
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	opts := Options{Child: func(composite, child *plan.Node) func(http.Handler) http.Handler {
		events = append(events, "enter "+composite.Name+">"+child.Name)
		return func(h http.Handler) http.Handler {
			events = append(events, "wrap "+child.Name)
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r.Header.Add("X-Trace", "mark:"+child.Name)
				h.ServeHTTP(w, r)
			})
		}
	}}
	h, err := opts.Handler(n, reg)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(events, ", "), "enter main>inner, enter inner>app, wrap app, wrap inner"; got != want {
		t.Errorf("calls: %s\nwant:  %s", got, want)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/x/x", nil))
	if body := rec.Body.String(); !strings.Contains(body, "mark:inner") || !strings.Contains(body, "mark:app") {
		t.Errorf("served without the marks: %q", body)
	}
}
