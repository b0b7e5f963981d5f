package stamp_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/loader"
	"github.com/pasteserve/pasteserve/pastetest"
	"github.com/pasteserve/pasteserve/plan"

	_ "github.com/pasteserve/pasteserve/examples/customfilter/hello"
	"github.com/pasteserve/pasteserve/examples/customfilter/stamp"
)

func load(t testing.TB, path string) http.Handler {
	t.Helper()
	h, err := loader.Load(path, "main", nil, factory.Default)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestServeThroughStamp serves the example paste file over a real HTTP
// server on 127.0.0.1 and checks the filter's header.
func TestServeThroughStamp(t *testing.T) {
	srv := httptest.NewServer(load(t, "../api-paste.ini"))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if got := resp.Header.Get("X-Served-By"); got != "api-1" || string(body) != "hello\n" {
		t.Errorf("X-Served-By = %q, body %q", got, body)
	}
}

// A missing option fails when the pipeline is built, at its section.
func TestMissingValueFailsAtBuild(t *testing.T) {
	pastetest.WantBuildError(t, "[pipeline:main]\npipeline = stamp hello\n[filter:stamp]\nuse = egg:mycompany#stamp\n[app:hello]\nuse = egg:mycompany#hello\n",
		"3:1", "[filter:stamp] value: is required: the text to put in the X-Stamp header")
}

// A plugin's Go name answers under its own package path, never
// egg:pasteserve#, which is the built-ins'.
func TestNamespace(t *testing.T) {
	const own = "egg:github.com/pasteserve/pasteserve/examples/customfilter/stamp#stamp"
	for ref, want := range map[string]bool{own: true, "egg:mycompany#stamp": true, "egg:pasteserve#stamp": false} {
		f, ok := factory.Default.Lookup(ref, plan.TypeFilter)
		if ok != want || (ok && f.Reference() != own) {
			t.Errorf("Lookup(%s) = %v, %v; want found %v", ref, f, ok, want)
		}
	}
	if f, ok := factory.Default.Lookup("egg:mycompany#hello", plan.TypeApp); !ok || f.Namespace != "mycompany" {
		t.Errorf("egg:mycompany#hello: %v %v", f, ok)
	}
}

// A bad value is an error at its key.
func TestBadHeaderFailsAtItsKey(t *testing.T) {
	pastetest.WantBuildError(t, "[pipeline:main]\npipeline = stamp hello\n[filter:stamp]\nuse = egg:mycompany#stamp\nvalue = v\nheader = X Y\n[app:hello]\nuse = egg:mycompany#hello\n",
		"6:1", `[filter:stamp] header: "X Y" is not a header name`)
}

// The filter is plain Go middleware too, with no paste file and no
// registry.
func ExampleNew() {
	mw, err := stamp.New(stamp.Options{Header: "x-served-by", Value: "api-1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello\n") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Print(rec.Header().Get("X-Served-By"), " ", rec.Body.String())
	_, err = stamp.New(stamp.Options{Header: "X-Served-By"})
	fmt.Println(err)
	// Output:
	// api-1 hello
	// value: is required: the text to put in the X-Served-By header
}

func Example() {
	h, err := loader.Load("../api-paste.ini", "main", nil, factory.Default)
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Print(rec.Header().Get("X-Served-By"), " ", rec.Body.String())
	// Output: api-1 hello
}
