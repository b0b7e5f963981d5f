// Command baseline serves the same work as bench/neutron-like.ini, wired
// by hand: the same filter and app implementations, constructed directly
// in Go, chained with alice and routed with chi, on an http.Server with
// the timeouts and header limit pasteserve sets by default (a production
// server would set them too). Each request gets a zerolog logger of its
// own (hlog.NewHandler), as in any zerolog server, so request_id does its
// whole job: the id in the context and in the request's logger. The
// baseline leaves out what pasteserve adds on top (the header-line and
// pool limits, panic recovery, the pipeline swap), so the ratio is
// pasteserve's whole cost. bench/serve.sh measures pasteserve against it.
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/justinas/alice"
	"github.com/rs/zerolog"
	"github.com/rs/zerolog/hlog"

	_ "github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/factory"
	_ "github.com/pasteserve/pasteserve/filters"
	"github.com/pasteserve/pasteserve/plan"
)

func filter(ref string, local map[string]string) alice.Constructor {
	f, ok := factory.Default.Lookup(ref, plan.TypeFilter)
	if !ok {
		log.Fatalf("no filter %s", ref)
	}
	mw, err := f.Filter(factory.NewConfig(local, nil))
	if err != nil {
		log.Fatal(err)
	}
	return alice.Constructor(mw)
}

func app(ref string) http.Handler {
	f, ok := factory.Default.Lookup(ref, plan.TypeApp)
	if !ok {
		log.Fatalf("no app %s", ref)
	}
	h, err := f.App(factory.NewConfig(nil, nil))
	if err != nil {
		log.Fatal(err)
	}
	return h
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9798", "listen address")
	flag.Parse()
	versions := app("egg:pasteserve#versions")
	api := alice.New(
		filter("egg:oslo.middleware#cors", map[string]string{"allowed_origin": "https://dashboard.example.com"}),
		filter("egg:oslo.middleware#http_proxy_to_wsgi", map[string]string{"enable_proxy_headers_parsing": "true"}),
		filter("egg:oslo.middleware#request_id", nil),
		filter("egg:oslo.middleware#catch_errors", nil),
	).Then(versions)
	r := chi.NewRouter()
	r.Mount("/v2.0", http.StripPrefix("/v2.0", api))
	r.Handle("/*", versions)
	srv := &http.Server{
		Addr:              *addr,
		Handler:           hlog.NewHandler(zerolog.New(os.Stderr).With().Timestamp().Logger())(r),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       900 * time.Second,
		IdleTimeout:       900 * time.Second,
		MaxHeaderBytes:    65536,
	}
	log.Printf("listening on %s", *addr)
	log.Fatal(srv.ListenAndServe())
}
