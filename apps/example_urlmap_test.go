package apps_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/request"
)

// Apps mounted under prefixes, as a paste file's [composite:main] with
// use = egg:Paste#urlmap mounts them, with no paste file and no
// registry: each app sees the prefix as its script name and the rest as
// its path.
func ExampleNewURLMap() {
	app := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s: script name %q, path %q", name, request.ScriptName(r), r.URL.Path)
		})
	}
	m, err := apps.NewURLMap(apps.URLMapOptions{
		Routes: map[string]http.Handler{
			"/":                          app("versions"),
			"/v2.0":                      app("api"),
			"domain admin.example.com /": app("admin"),
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, url := range []string{"http://example.com/v2.0/networks", "http://example.com/", "http://admin.example.com/v2.0"} {
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, httptest.NewRequest("GET", url, nil))
		body, _ := io.ReadAll(rec.Body)
		fmt.Println(string(body))
	}
	// Output:
	// api: script name "/v2.0", path "/networks"
	// versions: script name "", path "/"
	// admin: script name "", path "/v2.0"
}
