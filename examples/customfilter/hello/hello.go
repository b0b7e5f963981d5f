// Package hello is the app at the end of the example pipeline: it
// answers every request with a greeting. It registers in the namespace
// it chose, mycompany, as egg:mycompany#hello (without a Namespace it
// would be egg:<its package path>#hello).
package hello

import (
	"io"
	"net/http"

	"github.com/pasteserve/pasteserve/factory"
)

func init() {
	factory.Register(factory.AppOf(factory.Spec{Name: "hello", Namespace: "mycompany", Doc: "answers every request with a greeting"},
		factory.Defaults(DefaultOptions), New))
}

// Options are the hello app's options.
type Options struct {
	// Greeting is what every answer says, on a line of its own.
	Greeting string `paste:"greeting,doc=what every answer says"`
}

// DefaultOptions greet with "hello".
func DefaultOptions() Options { return Options{Greeting: "hello"} }

// New returns the app.
func New(o Options) (http.Handler, error) {
	greeting := o.Greeting + "\n"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, greeting) }), nil
}
