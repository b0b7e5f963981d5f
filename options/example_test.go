package options_test

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/options"
)

// CORSOptions are the options of a CORS filter, as its package would
// declare them: documented fields, paste names in tags, and oslo's
// [cors] group as the fallback.
type CORSOptions struct {
	AllowedOrigin    []string `paste:"allowed_origin,group=cors,doc=origins scheme://host[:port], or *"`
	AllowCredentials bool     `paste:"allow_credentials,group=cors,doc=send Access-Control-Allow-Credentials: true"`
	MaxAge           int      `paste:"max_age,group=cors,min=0,doc=seconds a preflight answer may be cached"`
	AllowMethods     []string `paste:"allow_methods,group=cors,deprecated=methods,doc=methods a preflight may ask for"`
}

// DefaultCORSOptions are oslo's defaults, for Go callers and paste
// files alike.
func DefaultCORSOptions() CORSOptions {
	return CORSOptions{AllowCredentials: true, MaxAge: 3600, AllowMethods: []string{"GET", "POST"}}
}

// Validate holds the checks the tags cannot say; the filter's
// constructor calls it too.
func (o CORSOptions) Validate() error {
	var errs []error
	for _, origin := range o.AllowedOrigin {
		if u, err := url.Parse(origin); origin != "*" && (err != nil || u.Host == "") {
			errs = append(errs, options.Errorf("allowed_origin", "%q is not an origin (write scheme://host[:port], or *)", origin))
		}
	}
	return errors.Join(errs...)
}

func ExampleDecode() {
	// [filter:cors] of api-paste.ini, as a loader hands it over, with a
	// [cors] group from the service's config file in global_conf.
	at := func(line int) dsl.Pos { return dsl.Pos{Filename: "api-paste.ini", Line: line, Column: 1} }
	sec := &options.Section{
		Name:     "filter:cors",
		Pos:      at(10),
		Local:    map[string]string{"allowed_origin": "https://dash.example.com dashboard", "methods": "GET PUT"},
		LocalPos: map[string]dsl.Pos{"allowed_origin": at(12), "methods": at(13)},
		Global:   map[string]string{"cors.max_age": "soon", "cors.allow_credentials": "no"},
	}
	o := DefaultCORSOptions()
	ds := options.Decode(sec, &o)
	for _, d := range ds {
		fmt.Println(d)
	}
	fmt.Println("failed:", ds.Err() != nil)
	fmt.Printf("%+v\n", o)
	// Output:
	// api-paste.ini:10:1: [filter:cors] max_age: "soon" is not a whole number of at least 0 (from global_conf cors.max_age)
	// api-paste.ini:12:1: [filter:cors] allowed_origin: "dashboard" is not an origin (write scheme://host[:port], or *)
	// api-paste.ini:13:1: warning: [filter:cors] methods: is deprecated; use allow_methods
	// failed: true
	// {AllowedOrigin:[https://dash.example.com dashboard] AllowCredentials:false MaxAge:3600 AllowMethods:[GET PUT]}
}

func ExampleDescribe() {
	opts, err := options.Describe(DefaultCORSOptions())
	if err != nil {
		panic(err)
	}
	for _, o := range opts {
		fmt.Printf("%s.%s (%s, default %q): %s\n", o.Group, o.Name, o.Type, o.Default, o.Doc)
	}
	groups, _ := options.Groups(CORSOptions{})
	fmt.Println("groups:", groups)
	// Output:
	// cors.allowed_origin (list, default ""): origins scheme://host[:port], or *
	// cors.allow_credentials (bool, default "true"): send Access-Control-Allow-Credentials: true
	// cors.max_age (int, default "3600"): seconds a preflight answer may be cached
	// cors.allow_methods (list, default "GET POST"): methods a preflight may ask for
	// groups: [cors]
}
