package request_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/pasteserve/pasteserve/request"
)

// A router moves the prefix it matched into the script name (as urlmap
// does), a filter says who the request acts as (as keystonecontext
// does), and the handler inside reads both, and the URL to build its
// links from, without knowing either.
func Example() {
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("path:", r.URL.Path)
		fmt.Println("script name:", request.ScriptName(r))
		fmt.Println("links from:", request.ApplicationURL(r))
		fmt.Println("request id:", request.ID(r.Context()))
		if id, ok := request.IdentityFrom(r.Context()); ok {
			fmt.Println("user:", id.UserID, "admin:", id.HasRole("admin"))
		}
	})
	router := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := request.WithID(r.Context(), "req-0123abcd-4567-89ab-cdef-0123456789ab")
		ctx = request.WithIdentity(ctx, &request.Identity{UserID: "alice", Roles: []string{"member"}})
		app.ServeHTTP(w, request.Mount(r.WithContext(ctx), "/v2.0", r.URL.Path[len("/v2.0"):]))
	})

	r := httptest.NewRequest("GET", "https://api.example.com:443/v2.0/networks", nil)
	router.ServeHTTP(httptest.NewRecorder(), r)
	// Output:
	// path: /networks
	// script name: /v2.0
	// links from: https://api.example.com/v2.0
	// request id: req-0123abcd-4567-89ab-cdef-0123456789ab
	// user: alice admin: false
}
