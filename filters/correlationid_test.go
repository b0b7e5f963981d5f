package filters

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/factory"
)

var uuid4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// correlationApp answers with the X-Correlation-Id it got.
var correlationApp = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Write([]byte(r.Header.Get("X-Correlation-Id")))
})

func TestCorrelationID(t *testing.T) {
	for _, ref := range []string{
		"use = egg:oslo.middleware#correlation_id",
		"paste.filter_factory = oslo_middleware:CorrelationId.factory",
		"paste.filter_factory = oslo_middleware.correlation_id:CorrelationId.factory",
	} {
		src := strings.Replace(filterPaste(ref), "use = egg:pasteserve#filters-test-app", "use = egg:pasteserve#filters-correlation-app", 1)
		h := mustBuild(t, src)
		first := get(h, "/").Body.String()
		second := get(h, "/").Body.String()
		if !uuid4.MatchString(first) || first == second {
			t.Errorf("%s: new ids %q, %q", ref, first, second)
		}
		if got := get(h, "/", "X-Correlation-Id", "from-the-client").Body.String(); got != "from-the-client" {
			t.Errorf("%s: the client's id became %q", ref, got)
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["X-Correlation-Id"] = []string{""}
		if got := do(h, r).Body.String(); !uuid4.MatchString(got) {
			t.Errorf("%s: an empty id stayed %q", ref, got)
		}
		if rec := get(h, "/"); rec.Header().Get("X-Correlation-Id") != "" {
			t.Errorf("%s: the response carries the id: %v", ref, rec.Header())
		}
	}
}

func init() {
	factory.Register(factory.Factory{Name: "filters-correlation-app", Namespace: "pasteserve", Kind: factory.KindApp, App: func(cfg *factory.Config) (http.Handler, error) {
		return correlationApp, nil
	}})
}
