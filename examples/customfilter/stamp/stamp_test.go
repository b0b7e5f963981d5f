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

	_ "github.com/pasteserve/pasteserve/examples/customfilter/hello"
	_ "github.com/pasteserve/pasteserve/examples/customfilter/stamp"
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
	pastetest.WantBuildError(t, "[pipeline:main]\npipeline = stamp hello\n[filter:stamp]\nuse = egg:mycompany#stamp\n[app:hello]\nuse = egg:pasteserve#hello-example\n",
		"3:1", "[filter:stamp] value: is required")
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
