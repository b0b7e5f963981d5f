package pastetest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/pastetest"
)

func init() {
	factory.Register(factory.Factory{Name: "pastetest-ok", Namespace: "pasteserve", Kind: factory.KindApp, App: func(cfg *factory.Config) (http.Handler, error) {
		if v, ok := cfg.Get("fail"); ok {
			cfg.Errorf("fail", "%s", v)
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }), cfg.Err()
	}})
}

func TestBuild(t *testing.T) {
	h := pastetest.MustBuild(t, "[app:main]\nuse = egg:pasteserve#pastetest-ok\n")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Body.String() != "ok" {
		t.Errorf("body %q", rec.Body)
	}
	pastetest.WantBuildError(t, "[app:main]\nuse = egg:pasteserve#pastetest-ok\nfail = bad value\n", "3:1", "[app:main] fail: bad value")

	// WantBuildError reports a build that succeeds, and an error at
	// another position.
	for _, tc := range []struct{ src, pos string }{
		{"[app:main]\nuse = egg:pasteserve#pastetest-ok\n", "1:1"},
		{"[app:main]\nuse = egg:pasteserve#pastetest-ok\nfail = x\n", "9:9"},
	} {
		r := recorder{TB: t} // its TempDir is t's
		pastetest.WantBuildError(&r, tc.src, tc.pos, "")
		if !r.failed || !strings.Contains(r.msg, "api.ini:"+tc.pos) {
			t.Errorf("WantBuildError did not fail for %q at %s: %q", tc.src, tc.pos, r.msg)
		}
	}
}
