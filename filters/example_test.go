package filters_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/pasteserve/pasteserve/filters"
)

// The cors filter as plain Go middleware: no paste file, no registry.
// The options start from oslo's defaults.
func ExampleNewCORS() {
	o := filters.DefaultCORSOptions()
	o.AllowedOrigin = []string{"https://dashboard.example.com"}
	o.AllowHeaders = []string{"X-Auth-Token"}
	cors, err := filters.NewCORS(o)
	if err != nil {
		fmt.Println(err)
		return
	}
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	h := cors(api)

	// A browser's preflight from the dashboard.
	r := httptest.NewRequest("OPTIONS", "/v2.0/networks", nil)
	r.Header.Set("Origin", "https://dashboard.example.com")
	r.Header.Set("Access-Control-Request-Method", "DELETE")
	r.Header.Set("Access-Control-Request-Headers", "x-auth-token")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age"} {
		fmt.Printf("%s: %s\n", k, rec.Header().Get(k))
	}

	// An option that cannot work is an error from NewCORS, by its paste
	// name, as a paste file would get it at its key.
	_, err = filters.NewCORS(filters.CORSOptions{AllowedOrigin: []string{"dashboard.example.com"}})
	fmt.Println(err)
	// Output:
	// Access-Control-Allow-Origin: https://dashboard.example.com
	// Access-Control-Allow-Methods: DELETE
	// Access-Control-Allow-Headers: X-Auth-Token
	// Access-Control-Max-Age: 3600
	// allowed_origin: "dashboard.example.com" is not an origin (write scheme://host[:port], or *)
}
