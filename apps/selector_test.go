package apps

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/loader"
)

func init() {
	factory.Register(factory.Factory{Name: "header-test", Namespace: "pasteserve", Kind: factory.KindFilter, Filter: func(cfg *factory.Config) (factory.Middleware, error) {
		v := cfg.String("value", "")
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Add("X-Seen", v)
				next.ServeHTTP(w, r)
			})
		}, nil
	}})
}

const selectorFile = `[composite:main]
use = call:neutron.auth:pipeline_factory
noauth = a app
keystone = b a app

[filter:a]
use = egg:pasteserve#header-test
value = a
[filter:b]
use = egg:pasteserve#header-test
value = b
[app:app]
use = egg:pasteserve#whoami-test
name = app
`

func buildSelector(t *testing.T, global map[string]string) (http.Handler, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "api.ini")
	if err := os.WriteFile(path, []byte(selectorFile), 0o644); err != nil {
		t.Fatal(err)
	}
	return loader.Load(path, "main", global, factory.Default)
}

func TestPipelineSelector(t *testing.T) {
	for strategy, want := range map[string]string{"": "b,a", "keystone": "b,a", "noauth": "a"} {
		global := map[string]string{}
		if strategy != "" {
			global["auth_strategy"] = strategy
		}
		h, err := buildSelector(t, global)
		if err != nil {
			t.Fatalf("auth_strategy=%q: %v", strategy, err)
		}
		rec := httptestGet(h, "/x")
		if got := strings.Join(rec.Header().Values("X-Seen"), ","); got != want {
			t.Errorf("auth_strategy=%q: filters ran %q, want %q", strategy, got, want)
		}
		if !strings.HasPrefix(rec.Body.String(), "app ") {
			t.Errorf("auth_strategy=%q: body %q", strategy, rec.Body.String())
		}
	}
	_, err := buildSelector(t, map[string]string{"auth_strategy": "noauth2"})
	if err == nil || !strings.Contains(err.Error(), `selects the pipeline "noauth2", which [composite:main] does not define (it defines keystone, noauth)`) {
		t.Errorf("unknown strategy: %v", err)
	}
}

// From Go, the picked pipeline serves, and a pick that names none is an
// error listing the pipelines.
func TestNewSelector(t *testing.T) {
	a := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("a")) })
	pipes := map[string]http.Handler{"keystone": a, "noauth": http.NotFoundHandler()}
	h, err := NewSelector(SelectorOptions{Pipelines: pipes, Pick: "keystone"})
	if err != nil || httptestGet(h, "/").Body.String() != "a" {
		t.Errorf("keystone: %v", err)
	}
	if _, err := NewSelector(SelectorOptions{Pipelines: pipes, Pick: "x"}); err == nil || !strings.Contains(err.Error(), `"x" is not one of keystone, noauth`) {
		t.Errorf("unknown pick: %v", err)
	}
	if got := (Selector{Setting: "auth_strategy", Default: "keystone"}).Pick(map[string]string{"auth_strategy": ""}); got != "keystone" {
		t.Errorf("empty setting picks %q", got)
	}
}
