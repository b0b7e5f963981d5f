// Package stamp is an example pasteserve plugin: a filter that stamps a
// header on every response. It registers itself in init, so importing it
// (even blank) makes it available to paste files:
//
//	[filter:stamp]
//	use = egg:mycompany#stamp
//	header = X-Served-By
//	value = api-1
package stamp

import (
	"net/http"
	"net/textproto"

	"github.com/pasteserve/pasteserve/factory"
)

func init() {
	factory.Register(factory.Factory{
		Name: "stamp",
		// The reference existing paste files use for the Python filter
		// this replaces.
		Aliases: []string{"egg:mycompany#stamp", "mycompany.middleware:Stamp.factory"},
		Kind:    factory.KindFilter,
		Doc:     "sets a response header on every response",
		Filter:  New,
	})
}

// New is the filter factory. It reads its options once, when the pipeline
// is built, and fails then (with the key's file:line:col) on a bad value,
// never at request time.
func New(cfg *factory.Config) (factory.Middleware, error) {
	header := textproto.CanonicalMIMEHeaderKey(cfg.String("header", "X-Stamp"))
	value := cfg.String("value", "")
	if value == "" {
		cfg.Errorf("value", "is required: the text to put in the %s header", header)
	}
	if err := cfg.Err(); err != nil {
		return nil, err
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set(header, value)
			next.ServeHTTP(w, r)
		})
	}, nil
}
