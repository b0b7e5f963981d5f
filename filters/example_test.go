package filters_test

import (
	"compress/gzip"
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

// The gzip filter as plain Go middleware, with Paste's defaults
// (compression level 6): a text response to a client that accepts gzip
// is compressed, and Vary says the answer depends on Accept-Encoding.
func ExampleNewGzip() {
	gz, err := filters.NewGzip(filters.DefaultGzipOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	h := gz(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "hello, hello, hello, hello\n")
	}))

	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	fmt.Println("Content-Encoding:", rec.Header().Get("Content-Encoding"))
	fmt.Println("Vary:", rec.Header().Get("Vary"))
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(zr)
	fmt.Print(string(body))

	// A level gzip does not have is refused, by its paste name.
	_, err = filters.NewGzip(filters.GzipOptions{CompressLevel: 10})
	fmt.Println(err)
	// Output:
	// Content-Encoding: gzip
	// Vary: Accept-Encoding
	// hello, hello, hello, hello
	// compress_level: 10 is not between 1 and 9
}
