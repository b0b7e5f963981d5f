// Package stamp is an example pasteserve plugin: a filter that stamps a
// header on every response. It is a Go constructor first, usable as
// plain middleware with no paste file:
//
//	mw, err := stamp.New(stamp.Options{Header: "X-Served-By", Value: "api-1"})
//
// and its init registers the paste side in one line, so that importing
// the package (even blank) makes it available to paste files, under its
// package path and the references that existing paste files use for the
// Python filter it replaces:
//
//	[filter:stamp]
//	use = egg:mycompany#stamp
//	header = X-Served-By
//	value = api-1
package stamp

import (
	"net/http"
	"net/textproto"
	"strings"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/options"
)

func init() {
	factory.Register(factory.FilterOf(factory.Spec{
		Name: "stamp", // egg:github.com/pasteserve/pasteserve/examples/customfilter/stamp#stamp
		// The references existing paste files use for the Python filter
		// this replaces.
		Aliases: []string{"egg:mycompany#stamp", "mycompany.middleware:Stamp.factory"},
		Doc:     "sets a response header on every response",
	}, factory.Defaults(DefaultOptions), New))
}

// Options are the stamp filter's options. The paste tags name them in a
// paste section; package options decodes them.
type Options struct {
	// Header is the response header to set, in any case (x-served-by is
	// X-Served-By).
	Header string `paste:"header,doc=the response header to set"`
	// Value is the text to put in the header. It is required.
	Value string `paste:"value,doc=the text to put in the header (required)"`
}

// DefaultOptions are the options a paste section starts from: the header
// is X-Stamp.
func DefaultOptions() Options { return Options{Header: "X-Stamp"} }

// Validate checks what the tags cannot say. New calls it, and so does
// the paste side, which places each error at its key.
func (o Options) Validate() error {
	switch {
	case o.Header == "" || strings.ContainsAny(o.Header, " \t:"):
		return options.Errorf("header", "%q is not a header name", o.Header)
	case o.Value == "":
		return options.Errorf("value", "is required: the text to put in the %s header", textproto.CanonicalMIMEHeaderKey(o.Header))
	}
	return nil
}

// New returns the filter. It checks its options once, when the pipeline
// is built, and fails then (with the key's file:line:col, from a paste
// file) on a bad value, never at request time.
func New(o Options) (func(http.Handler) http.Handler, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	header := textproto.CanonicalMIMEHeaderKey(o.Header)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set(header, o.Value)
			next.ServeHTTP(w, r)
		})
	}, nil
}
