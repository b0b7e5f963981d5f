package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"
)

// The admin listener (admin_bind): what a load balancer, Kubernetes and
// Prometheus ask a server, apart from its API, so that none of it goes
// through the pipeline, its limits or its access log:
//
//   - /livez: 200 while the process runs and serves HTTP at all;
//   - /readyz: 200 once the pipeline is built (its Python workers loaded,
//     if it has any; with api_workers, every worker serving) and until a
//     drain begins, 503 otherwise. It turns 503 the moment SIGTERM
//     starts the drain, before any connection is closed, so that a load
//     balancer checking it stops sending new requests while the ones on
//     their way are still answered; the admin listener itself stays open
//     until the process is done;
//   - /metrics: Prometheus's text format (docs/metrics.md);
//   - /debug/pprof/: Go's profiler, with admin_pprof only.
//
// With api_workers the admin listener is the master's: one address per
// server, whatever the number of workers, that answers for all of them
// (aggregate.go).
type adminServer struct {
	srv *http.Server
	ln  net.Listener
	log zerolog.Logger
}

// readiness is what /readyz answers; pasteserve_ready follows it.
type readiness struct {
	state atomic.Int32
}

const (
	stateStarting int32 = iota
	stateReady
	stateDraining
)

func (r *readiness) set(s int32) {
	if r == nil {
		return
	}
	r.state.Store(s)
	if s == stateReady {
		ready.Set(1)
	} else {
		ready.Set(0)
	}
}

// adminHandler serves the admin paths, with g gathering /metrics.
func adminHandler(g prometheus.Gatherer, rd *readiness, withPprof bool, log zerolog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorLog:      promLog{log},
		ErrorHandling: promhttp.ContinueOnError, // a worker that does not answer leaves out its numbers, not the rest
	}))
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		switch rd.state.Load() {
		case stateReady:
			fmt.Fprintln(w, "ready")
		case stateDraining:
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "draining: stopping, send no new requests")
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "starting: the pipeline is not serving yet")
		}
	})
	if withPprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// isAdminPath reports whether path is one adminHandler answers, for the
// public listener with admin_on_public_port.
func isAdminPath(path string, withPprof bool) bool {
	switch path {
	case "/metrics", "/livez", "/readyz":
		return true
	}
	return withPprof && strings.HasPrefix(path, "/debug/pprof/")
}

// sharedAdmin answers the admin paths ahead of next, on the public
// listener (admin_on_public_port): a string comparison per request, only
// in that mode.
func sharedAdmin(admin http.Handler, withPprof bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isAdminPath(r.URL.Path, withPprof) {
			admin.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// startAdmin opens admin_bind and serves h on it, or returns an error
// placed at admin_bind.
func startAdmin(cfg *Settings, h http.Handler, log zerolog.Logger) (*adminServer, error) {
	ln, err := net.Listen("tcp", cfg.AdminBind)
	if err != nil {
		return nil, cfg.positionedAt("DEFAULT.admin_bind", fmt.Errorf("admin_bind %s: %v", cfg.AdminBind, err))
	}
	a := &adminServer{ln: ln, log: log, srv: &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       time.Minute,
		ErrorLog:          NewErrorLog(log, "admin"),
	}}
	go a.srv.Serve(ln)
	log.Info().Str("address", ln.Addr().String()).Bool("pprof", cfg.AdminPprof).Msg("admin listener: /metrics, /livez, /readyz")
	return a, nil
}

// close stops the admin listener, once the process has drained: a
// scrape in progress gets a second to finish.
func (a *adminServer) close() {
	if a == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if a.srv.Shutdown(ctx) != nil {
		a.srv.Close()
	}
}

// promLog is promhttp's error log: the log's warnings.
type promLog struct{ log zerolog.Logger }

func (l promLog) Println(v ...any) { l.log.Warn().Msg(strings.TrimSpace(fmt.Sprintln(v...))) }
