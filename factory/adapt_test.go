package factory

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/options"
	"github.com/pasteserve/pasteserve/plan"
)

// stampOptions are a plugin filter's options, Go-first.
type stampOptions struct {
	Header string `paste:"header,group=stamp,doc=the response header to set"`
	Value  string `paste:"value,required,doc=the text to put in the header"`
	Times  int    `paste:"times,group=stamp,doc=how many times"`
}

func (o stampOptions) Validate() error {
	if strings.ContainsAny(o.Header, " :") {
		return options.Errorf("header", "%q is not a header name", o.Header)
	}
	return nil
}

func defaultStampOptions() stampOptions { return stampOptions{Header: "X-Stamp", Times: 1} }

func newStamp(o stampOptions) (func(http.Handler) http.Handler, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	var errs []error
	if o.Times > 3 {
		errs = append(errs, options.Errorf("times", "%d is more than 3", o.Times))
	}
	if o.Value == "fail" {
		errs = append(errs, errors.New("the stamp machine is broken"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for range o.Times {
				w.Header().Add(o.Header, o.Value)
			}
			next.ServeHTTP(w, r)
		})
	}, nil
}

// cfgAt is a Config for [filter:stamp] at api.ini:4, each key on the
// next line.
func cfgAt(local, global map[string]string, keys ...string) *Config {
	at := func(line int) dsl.Pos { return dsl.Pos{Filename: "/etc/svc/api.ini", Line: line, Column: 1} }
	n := &plan.Node{Section: "filter:stamp", File: "/etc/svc/api.ini", Pos: at(4), Local: local, Global: global, LocalPos: map[string]dsl.Pos{}}
	for i, k := range keys {
		n.LocalPos[k] = at(5 + i)
	}
	return ConfigFor(n)
}

func TestFilterOf(t *testing.T) {
	f := FilterOf(Spec{Name: "stamp", Doc: "stamps"}, Defaults(defaultStampOptions), newStamp)
	if f.Kind != KindFilter || f.Name != "stamp" || f.Doc != "stamps" || f.Filter == nil {
		t.Fatalf("FilterOf: %+v", f)
	}
	// Defaults, then the section's keys, then the group's.
	mw, err := f.Filter(cfgAt(map[string]string{"value": "api-1"}, map[string]string{"stamp.times": "2"}, "value"))
	if err != nil {
		t.Fatal(err)
	}
	rec := &headerRecorder{h: http.Header{}}
	mw(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(rec, nil)
	if got := rec.h.Values("X-Stamp"); !slices.Equal(got, []string{"api-1", "api-1"}) {
		t.Errorf("X-Stamp = %q", got)
	}
	// Every error at once, each at its key: the decoder's, Validate's,
	// the constructor's own (an options.Errorf at its key, another
	// error at the section).
	for _, tc := range []struct {
		local map[string]string
		keys  []string
		want  []string
	}{
		{map[string]string{"times": "many", "header": "X Y"}, []string{"times", "header"}, []string{
			`/etc/svc/api.ini:4:1: [filter:stamp] value: is required: the text to put in the header`,
			`/etc/svc/api.ini:5:1: [filter:stamp] times: "many" is not a whole number`,
			`/etc/svc/api.ini:6:1: [filter:stamp] header: "X Y" is not a header name`,
		}},
		{map[string]string{"value": "fail", "times": "5"}, []string{"value", "times"}, []string{
			`/etc/svc/api.ini:4:1: [filter:stamp] the stamp machine is broken`,
			`/etc/svc/api.ini:6:1: [filter:stamp] times: 5 is more than 3`,
		}},
	} {
		mw, err := f.Filter(cfgAt(tc.local, nil, tc.keys...))
		var ds dsl.Diagnostics
		if mw != nil || !errors.As(err, &ds) {
			t.Fatalf("%v: want diagnostics, got %v (%T)", tc.local, err, err)
		}
		var got []string
		for _, d := range ds {
			got = append(got, d.Error())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%v:\n got %q\nwant %q", tc.local, got, tc.want)
		}
	}
	// The table and the groups come from the options struct.
	opts, err := f.Options()
	if err != nil || len(opts) != 3 || opts[0].Name != "header" || opts[0].Default != "X-Stamp" || opts[0].Group != "stamp" || !opts[1].Required || opts[2].Default != "1" {
		t.Errorf("Options: %v %+v", err, opts)
	}
	if !slices.Equal(f.Groups, []string{"stamp"}) {
		t.Errorf("Groups = %q", f.Groups)
	}
}

// The defaults function gets the section, so that defaults may depend on
// a key of it; a nil one starts from the zero value.
func TestDefaultsFromTheSection(t *testing.T) {
	var seen *options.Section
	f := AppOf(Spec{Name: "greet"}, func(sec *options.Section) stampOptions {
		seen = sec
		o := defaultStampOptions()
		if sec.Local["flavor"] == "loud" {
			o.Times = 3
		}
		return o
	}, func(o stampOptions) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), nil
	})
	if _, err := f.App(cfgAt(map[string]string{"flavor": "loud", "value": "v"}, nil)); err != nil {
		t.Fatal(err)
	}
	if seen == nil || seen.Name != "filter:stamp" || seen.Here != "/etc/svc" || seen.Local["flavor"] != "loud" {
		t.Errorf("defaults got %+v", seen)
	}
	opts, _ := f.Options()
	if opts[2].Default != "1" {
		t.Errorf("the table describes the defaults of an empty section: times default %q", opts[2].Default)
	}
	z := FilterOf(Spec{Name: "z"}, nil, newStamp)
	if opts, _ := z.Options(); opts[0].Default != "" || opts[2].Default != "0" {
		t.Errorf("nil defaults: %+v", opts)
	}
}

type routesOptions struct {
	Default string `paste:"default,doc=the app for every other path"`
	Strict  bool   `paste:"strict"`
}

func TestCompositeOf(t *testing.T) {
	var built routesOptions
	f := CompositeOf(Spec{Name: "routes"}, nil,
		func(o routesOptions) map[string]string { return map[string]string{"default": o.Default} },
		func(l Loader, o routesOptions) (http.Handler, error) {
			built = o
			return l.GetApp(o.Default)
		})
	if f.Kind != KindComposite || f.Children == nil || f.Composite == nil {
		t.Fatalf("%+v", f)
	}
	cfg := cfgAt(map[string]string{"default": "api", "strict": "yes"}, nil)
	if kids := f.Children(cfg); kids["default"] != "api" {
		t.Errorf("Children = %v", kids)
	}
	// Children of a section with a bad value: the defaults for that
	// value, the rest decoded (the build reports the error).
	if kids := f.Children(cfgAt(map[string]string{"default": "api", "strict": "maybe"}, nil)); kids["default"] != "api" {
		t.Errorf("Children with a bad value = %v", kids)
	}
	if _, err := f.Composite(loaderFunc(func(name string) (http.Handler, error) { return http.NotFoundHandler(), nil }), cfg); err != nil || built != (routesOptions{"api", true}) {
		t.Errorf("Composite: %v %+v", err, built)
	}
	if _, err := f.Composite(nil, cfgAt(map[string]string{"strict": "maybe"}, nil, "strict")); err == nil || !strings.Contains(err.Error(), `api.ini:5:1: [filter:stamp] strict: "maybe" is not a boolean`) {
		t.Errorf("Composite with a bad value: %v", err)
	}
}

// Groups collects the groups of every registered factory, once each,
// sorted.
func TestRegistryGroups(t *testing.T) {
	r := &Registry{}
	if g := r.Groups(); len(g) != 0 {
		t.Errorf("empty registry: %q", g)
	}
	r.Register(FilterOf(Spec{Name: "stamp"}, nil, newStamp))
	r.Register(Factory{Name: "legacy", Kind: KindFilter, Groups: []string{"oslo_middleware", "stamp"},
		Filter: func(*Config) (Middleware, error) { return nil, nil }})
	r.Register(Factory{Name: "plain", Kind: KindApp, App: func(*Config) (http.Handler, error) { return nil, nil }})
	if g := r.Groups(); !slices.Equal(g, []string{"oslo_middleware", "stamp"}) {
		t.Errorf("Groups = %q", g)
	}
}

type loaderFunc func(string) (http.Handler, error)

func (f loaderFunc) GetApp(name string) (http.Handler, error) { return f(name) }

type headerRecorder struct{ h http.Header }

func (r *headerRecorder) Header() http.Header         { return r.h }
func (r *headerRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *headerRecorder) WriteHeader(int)             {}
