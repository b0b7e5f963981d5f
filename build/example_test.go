package build_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/pasteserve/pasteserve/build"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/resolve"
)

// HelloOptions are the options of the example's app.
type HelloOptions struct {
	// Greeting is what the app answers.
	Greeting string `paste:"greeting,doc=what the app answers"`
}

// TagOptions are the options of the example's filter.
type TagOptions struct {
	// Header is the response header the filter sets to "yes".
	Header string `paste:"header,required,doc=the response header to set"`
}

// A plan built into an http.Handler with a registry of two factories,
// one app and one filter. Building calls each factory of the plan once,
// chains a pipeline's filters in its order, and reports a section whose
// options do not fit at its file:line:col (every such error at once,
// not the first).
func ExampleHandler() {
	reg := &factory.Registry{}
	reg.Register(factory.AppOf(factory.Spec{Name: "hello", Namespace: "example.com"},
		factory.Defaults(func() HelloOptions { return HelloOptions{Greeting: "hello"} }),
		func(o HelloOptions) (http.Handler, error) {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, o.Greeting+"\n") }), nil
		}))
	reg.Register(factory.FilterOf(factory.Spec{Name: "tag", Namespace: "example.com"}, nil,
		func(o TagOptions) (func(http.Handler) http.Handler, error) {
			return func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set(o.Header, "yes")
					next.ServeHTTP(w, r)
				})
			}, nil
		}))

	dir, err := os.MkdirTemp("", "build-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "api-paste.ini")
	os.WriteFile(path, []byte(`[pipeline:main]
pipeline = outer inner hello

[filter:outer]
use = egg:example.com#tag
header = X-Outer

[filter:inner]
use = egg:example.com#tag

[app:hello]
use = egg:example.com#hello
greeting = hello, world
`), 0o644)

	r := &resolve.Resolver{Registry: reg}
	n, err := r.Resolve(path, "hello", plan.TypeApp, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	h, err := build.Handler(n, reg)
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Print(rec.Body)

	// [filter:inner] has no header: building main fails there.
	n, err = r.Resolve(path, "main", plan.TypeApp, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = build.Handler(n, reg)
	fmt.Println(strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), ""))
	// Output:
	// hello, world
	// api-paste.ini:8:1: [filter:inner] header: is required: the response header to set
}

// pythonSide stands in for the Python bridge: it answers for each tail
// with what the Python workers would load by name, and from which file.
type pythonSide struct{}

func (pythonSide) Tail(t build.Tail) (http.Handler, error) {
	var names []string
	for _, e := range t.Elements {
		names = append(names, e.Type.String()+" "+e.Name)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "Python: %s of %s, after %d Go filter(s) of %s; X-Seen: %s\n",
			strings.Join(names, ", "), filepath.Base(t.File), t.Skip, t.Name, r.Header.Get("X-Seen"))
	}), nil
}

// A pipeline whose app has no Go factory, built with a Foreign runtime:
// the Go filter runs in Go, and the app is a tail, which the Python
// side loads by its name in the pipeline, as PasteDeploy's pipeline
// loads its items (never resolving the Go filter). Places says where
// each part runs.
func ExampleOptions_Handler() {
	reg := &factory.Registry{}
	reg.Register(factory.FilterOf(factory.Spec{Name: "seen", Namespace: "example.com"}, nil,
		func(struct{}) (func(http.Handler) http.Handler, error) {
			return func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					r.Header.Set("X-Seen", "yes")
					next.ServeHTTP(w, r)
				})
			}, nil
		}))
	dir, err := os.MkdirTemp("", "build-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "api-paste.ini")
	os.WriteFile(path, []byte(`[pipeline:main]
pipeline = seen api

[filter:seen]
use = egg:example.com#seen

[app:api]
paste.app_factory = myproject.api:app_factory
`), 0o644)

	n, err := (&resolve.Resolver{Registry: reg}).Resolve(path, "main", plan.TypeApp, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	h, err := build.Options{Foreign: pythonSide{}, File: path}.Handler(n, reg)
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Print(rec.Body)
	places := build.Places(n, reg)
	plan.Walk(n, func(n *plan.Node) { fmt.Printf("[%s] runs in %s\n", n.Section, places[n]) })
	// Output:
	// Python: app api of api-paste.ini, after 1 Go filter(s) of main; X-Seen: yes
	// [pipeline:main] runs in Go, then Python
	// [filter:seen] runs in Go
	// [app:api] runs in Python
}
