// Command baseline serves the same work as bench/neutron-like.ini, wired
// by hand the way a lean Go service would be: the same filter and app
// implementations (http_proxy_to_wsgi, request_id, catch_errors and
// neutron's versions app, looked up by the references neutron's
// api-paste.ini uses), chained with alice, routed with chi, on an
// http.Server with the timeouts and header limit pasteserve sets by
// default (a production server would set them too).
//
// By default it logs nothing and makes no logger per request: the
// floor. With -access-log it writes one access line per request to
// stderr with zerolog, with the fields and message of pasteserve's
// default access line (request_id, client_ip, client_port,
// request_line, status_code, body_length, wall_seconds, oslo's
// wsgi_log_format message), through one logger shared by every request,
// as a hand-wired zerolog server would.
//
// It leaves out what pasteserve adds on top (the header-line and pool
// limits, panic recovery, the pipeline swap, the server's request id and
// per-request logger), so the ratio is pasteserve's whole cost.
// bench/serve.sh measures pasteserve against both.
package main

import (
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/justinas/alice"
	"github.com/rs/zerolog"

	_ "github.com/pasteserve/pasteserve/builtin"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/redact"
	"github.com/pasteserve/pasteserve/request"
)

func filter(ref string) alice.Constructor {
	f, ok := factory.Default.Lookup(ref, plan.TypeFilter)
	if !ok {
		log.Fatalf("no filter %s", ref)
	}
	mw, err := f.Filter(factory.NewConfig(nil, nil))
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

// mount is urlmap's move of a matched prefix from the path to the
// script name (request.Mount), so that the versions app builds the same
// links as under pasteserve. chi's Mount routes by the prefix but leaves
// the path alone, and http.StripPrefix does not set the script name.
func mount(prefix string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, request.Mount(r, prefix, strings.TrimPrefix(r.URL.Path, prefix)))
	})
}

// accessLog is the access line of pasteserve's default, written by
// hand: the fields, and the message oslo's default wsgi_log_format
// makes of them, through one logger for every request. The request id
// is read back from the response header, where request_id put it: the
// id is in the context of the request inside the pipeline, which this
// outer layer does not see.
func accessLog(logger zerolog.Logger) alice.Constructor {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &recorder{ResponseWriter: w}
			next.ServeHTTP(rec, r)
			s := time.Since(start).Seconds()
			if rec.status == 0 {
				rec.status = http.StatusOK
			}
			ip, port, _ := net.SplitHostPort(r.RemoteAddr)
			line := r.Method + " " + redact.URL(r.URL.EscapedPath()) + " " + r.Proto
			logger.Info().
				Str("request_id", w.Header().Get(request.IDHeader)).
				Str("client_ip", ip).Str("client_port", port).
				Str("request_line", line).
				Int("status_code", rec.status).Int("body_length", rec.size).
				Float64("wall_seconds", s).
				Msg(ip + ` "` + line + `" status: ` + strconv.Itoa(rec.status) +
					"  len: " + strconv.Itoa(rec.size) +
					" time: " + strconv.FormatFloat(s, 'f', 7, 64))
		})
	}
}

// recorder notes the status and the bytes of a response for its
// access line.
type recorder struct {
	http.ResponseWriter
	status, size int
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.size += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func main() {
	addr := flag.String("addr", "127.0.0.1:9798", "listen address")
	access := flag.Bool("access-log", false, "write an access line per request to stderr (zerolog)")
	flag.Parse()
	versions := app("neutron.pecan_wsgi.app:versions_factory")
	api := alice.New(
		filter("oslo_middleware.http_proxy_to_wsgi:HTTPProxyToWSGI.factory"),
		filter("oslo_middleware:RequestId.factory"),
		filter("oslo_middleware:CatchErrors.factory"),
	).Then(versions)
	r := chi.NewRouter()
	r.Mount("/v2.0", mount("/v2.0", api))
	r.Handle("/*", versions)
	var h http.Handler = r
	if *access {
		logger := zerolog.New(os.Stderr).With().Str("service", "baseline").Timestamp().Logger()
		h = accessLog(logger)(h)
	}
	srv := &http.Server{
		Addr:              *addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       900 * time.Second,
		IdleTimeout:       900 * time.Second,
		MaxHeaderBytes:    65536,
	}
	log.Printf("listening on %s", *addr)
	log.Fatal(srv.ListenAndServe())
}
