package factory_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/options"
	"github.com/pasteserve/pasteserve/plan"
)

// StampOptions are a filter's options: the paste tags name them in a
// paste section, and package options decodes them.
type StampOptions struct {
	// Header is the response header to set.
	Header string `paste:"header,doc=the response header to set"`
	// Value is the text to put in it; it is required.
	Value string `paste:"value,required,doc=the text to put in the header"`
}

// NewStamp is the Go constructor, usable with no paste file.
func NewStamp(o StampOptions) (func(http.Handler) http.Handler, error) {
	if strings.ContainsAny(o.Header, " :") {
		return nil, options.Errorf("header", "%q is not a header name", o.Header)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set(o.Header, o.Value)
			next.ServeHTTP(w, r)
		})
	}, nil
}

// FilterOf makes the paste side of a Go filter constructor: the factory
// decodes its section into the options struct and calls the
// constructor. A plugin registers it in factory.Default from its init;
// here it goes in a registry of its own. Its option table comes from
// the struct, and a bad value is an error by the option's paste name
// (at its file:line:col, when the section comes from a paste file).
func ExampleFilterOf() {
	reg := &factory.Registry{}
	reg.Register(factory.FilterOf(factory.Spec{
		Name:      "stamp",
		Namespace: "example.com/stamp", // egg:example.com/stamp#stamp
		Aliases:   []string{"mycompany.middleware:Stamp.factory"},
		Doc:       "sets a response header",
	}, factory.Defaults(func() StampOptions { return StampOptions{Header: "X-Stamp"} }), NewStamp))

	f, err := reg.Find("egg:example.com/stamp#stamp", plan.TypeFilter)
	if err != nil {
		fmt.Println(err)
		return
	}
	table, _ := f.Options()
	for _, o := range table {
		fmt.Printf("%s (%s) default %q: %s\n", o.Name, o.Type, o.Default, o.Doc)
	}

	// What a section's local_conf would hold.
	mw, err := f.Filter(factory.NewConfig(map[string]string{"value": "api-1"}, nil))
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := httptest.NewRecorder()
	mw(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println("X-Stamp:", rec.Header().Get("X-Stamp"))

	// A required option missing, and a value the constructor refuses:
	// errors by the option's paste name. From a paste file each is at its
	// file:line:col; a Config made by NewConfig has no file ("-").
	_, err = f.Filter(factory.NewConfig(map[string]string{"header": "X-Stamp"}, nil))
	fmt.Println(err)
	_, err = f.Filter(factory.NewConfig(map[string]string{"header": "X Stamp", "value": "api-1"}, nil))
	fmt.Println(err)
	// Output:
	// header (string) default "X-Stamp": the response header to set
	// value (string) default "": the text to put in the header
	// X-Stamp: api-1
	// -: value: is required: the text to put in the header
	// -: header: "X Stamp" is not a header name
}
