package server

import (
	"crypto/sha256"
	"encoding/hex"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/pasteserve/pasteserve/tokenauth"
)

// The server's own metrics: what its limits answered or cut, its
// reloads and its workers. Each is counted where it happens, on a path
// that is already the exception (a 503, a 431, a cut); they are plain
// counters, read only through the admin listener's registry, so without
// admin_bind they cost an atomic addition on those paths and nothing on
// the others.
var (
	poolRejections = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "pasteserve_pool_rejections_total",
		Help: "Requests answered 503 because wsgi_default_pool_size requests were already being served.",
	})
	headerRejections = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pasteserve_header_rejections_total",
		Help: "Requests answered 431, by the limit they were over (max_header_line or max_header_size).",
	}, []string{"limit"})
	slowClientsCut = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pasteserve_slow_clients_cut_total",
		Help: "Responses cut because the client accepted no byte for the no-progress limit (send_timeout, client_socket_timeout), by protocol.",
	}, []string{"protocol"})
	reloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pasteserve_reloads_total",
		Help: "Reloads (SIGHUP, --reload), by result: ok, or failed (the previous pipeline kept serving).",
	}, []string{"result"})
	configInfo = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "pasteserve_config_info",
		Help: "1 for the configuration being served: hash is the SHA-256 (first 16 hex digits) of the paste file and the config files, in order.",
	}, []string{"hash"})
	workerRestarts = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "pasteserve_worker_restarts_total",
		Help: "Workers (api_workers) the master started again after one exited on its own.",
	})
	ready = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "pasteserve_ready",
		Help: "1 while /readyz answers 200: the pipeline is built and the server is not draining.",
	})
)

// The label values are made at start, so that every series shows from
// the first scrape (a rate over a counter that appears at 1 misses its
// first increment) and the call sites take no look-up.
var (
	headerLineRejections = headerRejections.WithLabelValues("max_header_line")
	headerSizeRejections = headerRejections.WithLabelValues("max_header_size")
	slowHTTP1Cut         = slowClientsCut.WithLabelValues("http/1.1")
	slowHTTP2Cut         = slowClientsCut.WithLabelValues("h2")
	reloadsOK            = reloads.WithLabelValues("ok")
	reloadsFailed        = reloads.WithLabelValues("failed")
)

// serverCollectors are the server's own metrics, which a worker counts
// (the first group) and which only the process that reloads and starts
// workers counts (the second).
func serverCollectors() (perProcess, supervisor []prometheus.Collector) {
	return []prometheus.Collector{poolRejections, headerRejections, slowClientsCut},
		[]prometheus.Collector{reloads, configInfo, workerRestarts, ready}
}

// newRegistry returns the registry the admin listener's /metrics
// serves: the request metrics, the server's own, auth_token's, and the
// process and Go collectors. A worker's (workerRegistry) has no
// supervisor metrics: its master counts those.
func newRegistry() *prometheus.Registry {
	r := workerRegistry()
	_, sup := serverCollectors()
	r.MustRegister(sup...)
	return r
}

// workerRegistry is what a worker serves its master (aggregate.go).
func workerRegistry() *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	r.MustRegister(requestCollectors()...)
	per, _ := serverCollectors()
	r.MustRegister(per...)
	r.MustRegister(tokenauth.Collectors()...)
	return r
}

// configHash is the hash pasteserve_config_info carries: of the paste
// file's bytes and the config files', in order, not their names, so
// that the same files give the same hash on every instance of a fleet
// wherever they are kept. A file that cannot be read adds its error
// instead.
func configHash(cfg *Settings) string {
	h := sha256.New()
	for _, name := range append([]string{cfg.Paste}, cfg.ConfigFiles...) {
		b, err := os.ReadFile(name)
		if err != nil {
			b = []byte(err.Error())
		}
		h.Write(b)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// servingConfig sets pasteserve_config_info to cfg's hash alone.
func servingConfig(cfg *Settings) {
	configInfo.Reset()
	configInfo.WithLabelValues(configHash(cfg)).Set(1)
}

// countReload counts a reload's result; on success, cfg is what now
// serves.
func countReload(cfg *Settings, err error) {
	if err != nil {
		reloadsFailed.Inc()
		return
	}
	reloadsOK.Inc()
	servingConfig(cfg)
}
