package server

import (
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pasteserve/pasteserve/plan"
)

// Metrics of the requests, per route and pipeline of the paste file.
// They exist only with admin_bind set (an admin listener to read them
// from): without it, no layer of this file is on the request path.
//
// Labels come from the paste file, never from the request: route is the
// urlmap key the request was routed by ("/v2.0"; "" when no route took
// it), pipeline the section that served it (the pipeline a selector
// picked, or the app a route leads to). method is one of the methods
// net/http names or OTHER, code the status class ("2xx"). So a file of R
// routes has at most R × 10 × 5 request series, whatever clients send.
//
// Every label value is resolved when the pipeline is built: each route
// gets a routeMark (markRoutes, through build.Options.Child) holding the
// metric children of its route and pipeline, which it puts in the
// request's state (requestState) as the request passes it. The server's
// outermost metrics layer (observeRequests) counts the request, once it
// is answered, in the children of the last mark it passed, or in those
// of the root for a request no route took (a 404 of the urlmap, a 431
// or 503 of the server's limits). A request costs atomic additions and
// no allocation (TestMetricsAllocateNothing, BenchmarkMetricsLayer).
var (
	httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pasteserve_http_requests_total",
		Help: "Requests answered, by the paste file's route and pipeline, method (OTHER for a method net/http does not name) and status class.",
	}, []string{"route", "pipeline", "method", "code"})
	httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "pasteserve_http_request_duration_seconds",
		Help:    "Time from the request's headers to the handler's return, by route and pipeline.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route", "pipeline"})
	httpRequestSize = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "pasteserve_http_request_size_bytes",
		Help:    "Request body sizes: Content-Length, or the bytes the pipeline read of a body without one; by route and pipeline.",
		Buckets: sizeBuckets,
	}, []string{"route", "pipeline"})
	httpResponseSize = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "pasteserve_http_response_size_bytes",
		Help:    "Response body bytes written, by route and pipeline.",
		Buckets: sizeBuckets,
	}, []string{"route", "pipeline"})
	httpRouteInFlight = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "pasteserve_http_route_requests_in_flight",
		Help: "Requests in a route's pipeline now, by route and pipeline.",
	}, []string{"route", "pipeline"})
	httpInFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "pasteserve_http_requests_in_flight",
		Help: "Requests being served now, the server's own answers included.",
	})
)

// sizeBuckets are the size histograms' buckets: 64 bytes to 16 MB, in
// powers of 4.
var sizeBuckets = prometheus.ExponentialBuckets(64, 4, 10)

// requestCollectors are the request metrics, for the admin registry.
func requestCollectors() []prometheus.Collector {
	return []prometheus.Collector{httpRequests, httpDuration, httpRequestSize, httpResponseSize, httpRouteInFlight, httpInFlight}
}

// methods are the methods counted by name; any other is OTHER, so that
// a client inventing methods cannot add series.
var methods = [...]string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace, "OTHER",
}

// methodIndex returns the index of m in methods, the last (OTHER) for a
// method not there. A switch on the string: no map on the request path.
func methodIndex(m string) int {
	switch m {
	case http.MethodGet:
		return 0
	case http.MethodHead:
		return 1
	case http.MethodPost:
		return 2
	case http.MethodPut:
		return 3
	case http.MethodPatch:
		return 4
	case http.MethodDelete:
		return 5
	case http.MethodOptions:
		return 6
	case http.MethodConnect:
		return 7
	case http.MethodTrace:
		return 8
	}
	return len(methods) - 1
}

var statusClasses = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx"}

// classIndex returns the index of status's class in statusClasses; a
// response with no status written is a 200 (net/http's), one outside
// 100-599 counts as 5xx.
func classIndex(status int) int {
	switch {
	case status == 0:
		return 1
	case status >= 100 && status < 600:
		return status/100 - 1
	}
	return 4
}

// routeMetrics are the metric children of one route and pipeline. The
// request counters are made on first use, each once (lazyCounter), so
// that /metrics lists the methods and classes a route has answered, not
// fifty zeros per route; the rest when the route is built.
type routeMetrics struct {
	route, pipeline   string
	requests          [len(methods)][len(statusClasses)]lazyCounter
	duration          prometheus.Observer
	reqSize, respSize prometheus.Observer
	inflight          prometheus.Gauge
}

// lazyCounter is a counter child made on first use: after that, an
// atomic load and the counter's own atomic addition.
type lazyCounter struct {
	p atomic.Pointer[prometheus.Counter]
}

func (m *routeMetrics) count(method, class int) {
	l := &m.requests[method][class]
	c := l.p.Load()
	if c == nil {
		made := httpRequests.WithLabelValues(m.route, m.pipeline, methods[method], statusClasses[class])
		l.p.CompareAndSwap(nil, &made)
		c = l.p.Load()
	}
	(*c).Inc()
}

// routeSets are the routeMetrics made so far, by route and pipeline: a
// reload that builds the same route again gets the same children (and
// the same lazy counters). Used when building only.
var routeSets = struct {
	sync.Mutex
	m map[[2]string]*routeMetrics
}{m: map[[2]string]*routeMetrics{}}

// metricsFor returns the metrics of route and pipeline.
func metricsFor(route, pipeline string) *routeMetrics {
	routeSets.Lock()
	defer routeSets.Unlock()
	k := [2]string{route, pipeline}
	if m := routeSets.m[k]; m != nil {
		return m
	}
	m := &routeMetrics{
		route: route, pipeline: pipeline,
		duration: httpDuration.WithLabelValues(route, pipeline),
		reqSize:  httpRequestSize.WithLabelValues(route, pipeline),
		respSize: httpResponseSize.WithLabelValues(route, pipeline),
		inflight: httpRouteInFlight.WithLabelValues(route, pipeline),
	}
	routeSets.m[k] = m
	return m
}

// metricsState is what the metrics keep in a request's state: the
// metrics of the last route it passed, and the size of its body: its
// Content-Length, or the counter of a body sent without one.
type metricsState struct {
	route *routeMetrics
	size  int64
	body  *countedBody
}

// countedBody counts the bytes read of a request body sent without a
// Content-Length. Each such request gets one of its own (an allocation,
// for chunked uploads only), never one kept in the connection's state:
// a reader can outlive its request (http.Transport, writing a proxied
// body after RoundTrip returned), and must go on reading that request's
// body, which net/http fails once the handler has returned
// (http.ErrBodyReadAfterClose), never the connection's next request's.
type countedBody struct {
	io.ReadCloser
	n atomic.Int64
}

func (b *countedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// observeRequests is the outermost metrics layer, just inside
// requestLogger: it counts every request the server's handlers answer,
// in the metrics of root (the app, for a request no route took) unless
// a routeMark said otherwise. The status and the response's size are
// counted by the access log's writer, in the request's state: with
// accessLog, the access log layer inside it has put it there; without,
// this layer does.
//
// A request that did not come through requestLogger (none in the
// server) is passed on uncounted.
func observeRequests(root *routeMetrics, accessLog bool, next http.Handler) http.Handler {
	return &metricsLayer{root: root, accessLog: accessLog, next: next}
}

type metricsLayer struct {
	root      *routeMetrics
	accessLog bool
	next      http.Handler
}

func (l *metricsLayer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := stateOf(r)
	if s == nil {
		l.next.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	s.metrics.route = l.root
	s.metrics.size, s.metrics.body = max(r.ContentLength, 0), nil
	if r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody {
		s.metrics.body = &countedBody{ReadCloser: r.Body}
		r.Body = s.metrics.body
	}
	if !l.accessLog {
		s.access.ResponseWriter = w
		w = &s.access
	}
	httpInFlight.Inc()
	// Deferred, so that a request whose handler panics through
	// (http.ErrAbortHandler) is counted too.
	defer l.observe(s, r, start)
	l.next.ServeHTTP(w, r)
}

func (l *metricsLayer) observe(s *requestState, r *http.Request, start time.Time) {
	httpInFlight.Dec()
	m := s.metrics.route
	m.count(methodIndex(r.Method), classIndex(s.access.status))
	m.duration.Observe(time.Since(start).Seconds())
	size := s.metrics.size
	if b := s.metrics.body; b != nil {
		size = b.n.Load()
		s.metrics.body = nil
	}
	m.reqSize.Observe(float64(size))
	m.respSize.Observe(float64(s.access.size))
}

// routeMark marks the requests that pass it as the route's (see the
// top of this file); a leaf, a route with no route inside it, also
// counts them in flight.
type routeMark struct {
	m    *routeMetrics
	leaf bool
	next http.Handler
}

func (h *routeMark) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s := stateOf(r); s != nil {
		s.metrics.route = h.m
	}
	if h.leaf {
		h.m.inflight.Inc()
		defer h.m.inflight.Dec()
	}
	h.next.ServeHTTP(w, r)
}

// routeMarker makes the routeMarks of one build: build calls child for
// every child a composite loads, nested as the plan is (a selector's
// pipelines inside a urlmap's route), so the stack holds the route the
// child is in.
type routeMarker struct {
	stack []*markFrame
}

type markFrame struct {
	route, pipeline string
	nested          bool // a child was entered inside this one
}

// child is build.Options.Child. A urlmap's child is a route: its key
// (the keys, space-separated, that mount the same section) is the
// route label. The child of any other composite (a pipeline selector,
// cascade) keeps the route it is in and names the pipeline.
func (rm *routeMarker) child(composite, child *plan.Node) func(http.Handler) http.Handler {
	route := ""
	if n := len(rm.stack); n > 0 {
		top := rm.stack[n-1]
		top.nested = true
		route = top.route
	}
	if k := routeKey(composite, child); k != "" {
		route = k
	}
	f := &markFrame{route: route, pipeline: child.Name}
	rm.stack = append(rm.stack, f)
	return func(h http.Handler) http.Handler {
		rm.stack = rm.stack[:len(rm.stack)-1]
		return &routeMark{m: metricsFor(f.route, f.pipeline), leaf: !f.nested, next: h}
	}
}

// routeKey returns the urlmap keys of composite that lead to child,
// sorted and space-separated, or "" when composite is no urlmap (its
// keys are no paths: a selector's "keystone", cascade's "app1"). A
// urlmap's not_found_app is the route "not_found_app".
func routeKey(composite, child *plan.Node) string {
	var keys []string
	for k, c := range composite.Children {
		if c == child && (strings.Contains(k, "/") || k == "not_found_app") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return strings.Join(keys, " ")
}
