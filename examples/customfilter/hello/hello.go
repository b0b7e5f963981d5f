// Package hello is the app at the end of the example pipeline: it
// answers every request with a greeting.
package hello

import (
	"io"
	"net/http"

	"github.com/pasteserve/pasteserve/loader"
)

func init() {
	loader.Register(loader.Factory{
		Name: "hello-example",
		Kind: loader.KindApp,
		Doc:  "answers every request with a greeting",
		App: func(cfg *loader.Config) (http.Handler, error) {
			greeting := cfg.String("greeting", "hello") + "\n"
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, greeting) }), nil
		},
	})
}
