// Package hello is the app at the end of the example pipeline: it
// answers every request with a greeting.
package hello

import (
	"io"
	"net/http"

	"github.com/pasteserve/pasteserve/factory"
)

func init() {
	factory.Register(factory.Factory{
		Name: "hello-example",
		Kind: factory.KindApp,
		Doc:  "answers every request with a greeting",
		App: func(cfg *factory.Config) (http.Handler, error) {
			greeting := cfg.String("greeting", "hello") + "\n"
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, greeting) }), nil
		},
	})
}
