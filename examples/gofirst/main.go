// Command gofirst serves an API with pasteserve's built-in filters and
// apps used as plain Go middleware and handlers: no paste file, no
// registry, no package builtin. It is the program docs/go.md walks
// through, and main_test.go runs it.
//
// The API is what an OpenStack service's api-paste.ini would describe,
// written in Go: a versions document at /, and under /v2.0 a chi router
// behind oslo.middleware's cors and request_id, chained with alice.
//
//	go run ./examples/gofirst -addr 127.0.0.1:8080
//	curl -i http://127.0.0.1:8080/v2.0/networks
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/justinas/alice"

	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/filters"
	"github.com/pasteserve/pasteserve/request"
)

// newHandler builds the whole API. Every constructor checks its options
// here, once, so a mistake (an origin without a scheme, say) is an
// error at start, never at request time.
func newHandler() (http.Handler, error) {
	// cors starts from oslo.middleware's defaults; request_id needs none.
	co := filters.DefaultCORSOptions()
	co.AllowedOrigin = []string{"https://dashboard.example.com"}
	co.AllowHeaders = []string{"X-Auth-Token"}
	cors, err := filters.NewCORS(co)
	if err != nil {
		return nil, err
	}
	requestID, err := filters.NewRequestID(filters.RequestIDOptions{})
	if err != nil {
		return nil, err
	}

	// The API itself: any router works; chi is one.
	r := chi.NewRouter()
	r.Get("/networks", func(w http.ResponseWriter, r *http.Request) {
		// request_id put the request's id in the context (and in the
		// x-openstack-request-id response header).
		fmt.Fprintf(w, `{"networks": [], "request_id": %q}`+"\n", request.ID(r.Context()))
	})
	api := alice.New(cors, requestID).Then(r)

	versions, err := apps.NewVersions(apps.VersionsOptions{
		Versions:   []apps.Version{{ID: "v2.0", Status: "CURRENT", Path: "/v2.0/"}},
		StatusCode: http.StatusOK,
		Document:   "versions",
	})
	if err != nil {
		return nil, err
	}

	// urlmap mounts each app under its prefix, as Paste's urlmap does:
	// the API sees /v2.0 as its script name and /networks as its path.
	return apps.NewURLMap(apps.URLMapOptions{
		Routes: map[string]http.Handler{
			"/":     versions,
			"/v2.0": api,
		},
	})
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	h, err := newHandler()
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe(*addr, h))
}
