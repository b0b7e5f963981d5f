package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	noopmetric "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/pasteserve/pasteserve/build"
	"github.com/pasteserve/pasteserve/internal/otlphttp"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/redact"
	"github.com/pasteserve/pasteserve/request"
)

// TracingOptions are the tracing_* options of [DEFAULT] (and of a
// [server:] section of egg:pasteserve#http): OpenTelemetry tracing,
// exported over OTLP/HTTP. Tracing is off until tracing_endpoint is
// set; off, the server adds nothing to the request path.
// docs/tracing.md says what the spans hold.
type TracingOptions struct {
	// Endpoint is the collector's OTLP/HTTP traces URL.
	Endpoint TracingEndpoint `paste:"tracing_endpoint,doc=OTLP/HTTP URL spans are exported to (http://collector:4318; /v1/traces is added to a URL without a path); empty: tracing is off"`
	// ServiceName is the service.name of every span's resource.
	ServiceName string `paste:"tracing_service_name,doc=the service.name the spans are exported under"`
	// SampleRatio is the share of new traces recorded.
	SampleRatio float64 `paste:"tracing_sample_ratio,min=0,max=1,doc=share of traces started here that are recorded, 0 to 1; a request with a traceparent follows its caller's sampled flag"`
	// Headers are sent with every export request.
	Headers ExporterHeaders `paste:"tracing_headers,doc=headers sent with every export: name=value pairs separated by commas (OTEL_EXPORTER_OTLP_HEADERS' form); a secret: printed as ****"`
	// FilterSpans gives each Go filter a child span.
	FilterSpans bool `paste:"tracing_filter_spans,doc=a child span for each Go filter of the pipeline, nested as the filters are"`
	// BatchDelay is how long finished spans wait to be exported.
	BatchDelay time.Duration `paste:"tracing_batch_delay,min=0,doc=seconds finished spans are batched before they are exported (sooner when 512 are waiting); every span left is exported at a graceful stop"`
}

// DefaultTracingOptions returns the tracing options' defaults: off,
// every trace recorded once on, batches every 5 seconds (the
// OpenTelemetry SDK's own delay).
func DefaultTracingOptions() TracingOptions {
	return TracingOptions{ServiceName: "pasteserve", SampleRatio: 1, BatchDelay: 5 * time.Second}
}

// TracingEndpoint is tracing_endpoint: an http or https URL, or empty.
type TracingEndpoint string

// UnmarshalText checks that b is an http(s) URL with a host.
func (e *TracingEndpoint) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "" {
		*e = ""
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http:// or https:// URL of an OTLP/HTTP collector (http://127.0.0.1:4318)", redact.URL(s))
	}
	if u.User != nil {
		return fmt.Errorf("%q holds a user name or password: give credentials in tracing_headers", redact.URL(s))
	}
	*e = TracingEndpoint(s)
	return nil
}

// String is the endpoint as the options print it (--debug,
// log_options), a credential in its query masked.
func (e TracingEndpoint) String() string { return redact.URL(string(e)) }

// url is the URL spans are posted to: the endpoint, with OTLP's
// /v1/traces when it has no path.
func (e TracingEndpoint) url() string {
	u, _ := url.Parse(string(e)) // checked by UnmarshalText
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces"
	}
	return u.String()
}

// ExporterHeaders are tracing_headers: what the collector is to be
// sent with each export, usually a credential. Package redact knows the
// option as a secret, so that its value is masked wherever a message or
// log_options prints it; MarshalText masks each value too, so that the
// type prints no secret wherever it goes.
type ExporterHeaders []ExporterHeader

// ExporterHeader is one header of ExporterHeaders.
type ExporterHeader struct{ Name, Value string }

// UnmarshalText reads "name=value,name2=value2", as
// OTEL_EXPORTER_OTLP_HEADERS is written (a value holds no comma; a
// paste file writes a literal % as %%). An error names the item by its
// place, never quoting a value.
func (h *ExporterHeaders) UnmarshalText(b []byte) error {
	var out ExporterHeaders
	for i, item := range strings.Split(string(b), ",") {
		if strings.TrimSpace(item) == "" {
			continue
		}
		name, value, ok := strings.Cut(item, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t:") {
			return fmt.Errorf("item %d is not name=value: give headers as name=value pairs separated by commas", i+1)
		}
		out = append(out, ExporterHeader{Name: name, Value: strings.TrimSpace(value)})
	}
	*h = out
	return nil
}

// MarshalText writes the headers with every value masked.
func (h ExporterHeaders) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// String is MarshalText's text: "name=****,...".
func (h ExporterHeaders) String() string {
	items := make([]string, len(h))
	for i, x := range h {
		items[i] = x.Name + "=" + redact.Mask
	}
	return strings.Join(items, ",")
}

// tracingFlushTimeout bounds the export of the last spans at a stop,
// so that a collector that is down cannot hold the process.
const tracingFlushTimeout = 10 * time.Second

// tracerName names the spans' instrumentation scope.
const tracerName = "github.com/pasteserve/pasteserve/server"

// tracing is a process's tracer: its provider, which batches and exports,
// and how the server's handler and the build use it.
type tracing struct {
	tp          *sdktrace.TracerProvider
	tracer      trace.Tracer
	filterSpans bool
	secrets     redact.Secrets // tracing_headers' values, for the exporter's errors
}

// processTracing is the tracing of this process, set once by
// startTracing before the app is first built, so that every load of
// the app (startTracing's and each reload's, loadGeneration) builds
// its spans in with the same tracer. Nil: tracing is off, and nothing
// is wrapped.
var processTracing atomic.Pointer[tracing]

// startTracing starts o's tracer provider, or returns nil when tracing
// is off. Exports run in the background; a failed one is logged (masked),
// and never fails a request.
func startTracing(o TracingOptions, log zerolog.Logger) (*tracing, error) {
	if o.Endpoint == "" {
		return nil, nil
	}
	headers := make(map[string]string, len(o.Headers))
	values := make([]map[string]string, len(o.Headers))
	for i, h := range o.Headers {
		headers[h.Name] = h.Value
		values[i] = map[string]string{"tracing_headers": h.Value}
	}
	// What the exporter's errors quote is masked as redact masks any
	// message, and the headers' values too, should a collector echo one.
	secrets := redact.Collect(values...)
	// OpenTelemetry's exporter turns the spans into OTLP; otlphttp
	// posts them, without the gRPC that otlptracehttp links.
	client, err := otlphttp.New(otlphttp.Options{URL: o.Endpoint.url(), Headers: headers})
	if err != nil {
		return nil, fmt.Errorf("tracing: %s", secrets.Text(err.Error()))
	}
	exp, err := otlptrace.New(context.Background(), client)
	if err != nil {
		return nil, fmt.Errorf("tracing_endpoint: %s", secrets.Text(err.Error()))
	}
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		log.Warn().Str("error", secrets.Text(err.Error())).Str("endpoint", redact.URL(string(o.Endpoint))).Msg("tracing: export failed")
	}))
	res := resource.NewSchemaless(semconv.ServiceName(o.ServiceName))
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(o.BatchDelay)),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(o.SampleRatio))),
		sdktrace.WithResource(res))
	t := &tracing{tp: tp, tracer: tp.Tracer(tracerName), filterSpans: o.FilterSpans, secrets: secrets}
	processTracing.Store(t)
	log.Info().Str("endpoint", redact.URL(o.Endpoint.url())).Str("service_name", o.ServiceName).
		Float64("sample_ratio", o.SampleRatio).Bool("filter_spans", o.FilterSpans).Msg("tracing: exporting spans")
	return t, nil
}

// stop exports the spans still batched, within tracingFlushTimeout, and
// stops the provider: what the drain calls once the last request has
// ended, so that no span of it is lost.
func (t *tracing) stop(log zerolog.Logger) {
	if t == nil {
		return
	}
	processTracing.CompareAndSwap(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), tracingFlushTimeout)
	defer cancel()
	if err := t.tp.Shutdown(ctx); err != nil {
		log.Warn().Str("error", t.secrets.Text(err.Error())).Msg("tracing: spans lost at stop")
		return
	}
	log.Info().Msg("tracing: spans exported")
}

// serverSpanKey finds the request's serverTrace in its context (the
// filters' spans come between the server span and the route,
// instrument.Mounted).
type serverSpanKey struct{}

// serverTrace is what the server span learns while the pipeline runs:
// the route, as the urlmaps it passes add their prefixes to it, and
// the app they mount.
type serverTrace struct {
	route, app string
	routed     bool
}

// handler gives each request that reaches next a server span, with
// OpenTelemetry's own HTTP server instrumentation (otelhttp): a W3C
// traceparent and tracestate from the client make it their child, the
// span's attributes are the semantic conventions' (method, path,
// status, peer), and a 5xx marks it failed. pasteserve adds the route
// (http.route, and the span's name "GET /v2.0"), the app, and the
// request id (pasteserve.request_id): the server's (assign_request_id),
// else the one the response carries, which a request_id filter made.
// With t nil (tracing off) it returns next itself.
//
// It wraps the app the server serves, inside the server's own layers:
// an answer they give themselves (431 for too large a header, 503 when
// the pool is full) has no span; the access log has it.
func (t *tracing) handler(next http.Handler) http.Handler {
	if t == nil {
		return next
	}
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		span := trace.SpanFromContext(ctx)
		id := request.ID(ctx)
		st := &serverTrace{}
		defer func() {
			// A panic goes on to the server's recovery, which answers
			// 500 once this span has ended: the span says so now. The
			// panic's value is not recorded (it may quote a secret);
			// the log has it, masked.
			if v := recover(); v != nil {
				if v != http.ErrAbortHandler {
					span.SetAttributes(semconv.HTTPResponseStatusCode(http.StatusInternalServerError))
				}
				span.SetStatus(codes.Error, "panic")
				st.annotate(span, r, id, w)
				panic(v)
			}
		}()
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, serverSpanKey{}, st)))
		st.annotate(span, r, id, w)
	})
	return otelhttp.NewHandler(inner, "pasteserve",
		otelhttp.WithTracerProvider(t.tp),
		otelhttp.WithPropagators(propagation.TraceContext{}),
		otelhttp.WithMeterProvider(noopmetric.NewMeterProvider()), // metrics are the admin listener's
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return spanMethod(r.Method) }))
}

// spanMethod is the method a span's name gives: one net/http names, or
// "HTTP" (OpenTelemetry's HTTP conventions), never a client's own, so
// that span names are as bounded as the metrics' method label.
func spanMethod(m string) string {
	if i := methodIndex(m); i < len(methods)-1 {
		return methods[i]
	}
	return "HTTP"
}

// annotate gives span what the request learnt: its id (id, the
// server's, else the response's) and its route.
func (st *serverTrace) annotate(span trace.Span, r *http.Request, id string, w http.ResponseWriter) {
	if !span.IsRecording() {
		return
	}
	if id == "" {
		id = w.Header().Get(request.IDHeader)
	}
	if id != "" {
		span.SetAttributes(attribute.String("pasteserve.request_id", id))
	}
	if st.routed {
		route := st.route
		if route == "" {
			route = "/"
		}
		span.SetName(spanMethod(r.Method) + " " + route)
		span.SetAttributes(semconv.HTTPRoute(route), attribute.String("pasteserve.app", st.app))
	}
}

// instrument returns what the build wraps the app's parts in, or nil
// when tracing is off.
func (t *tracing) instrument() build.Instrument {
	if t == nil {
		return nil
	}
	return instrument{t}
}

// instrument is tracing's build.Instrument: a route names the server
// span, and with tracing_filter_spans each Go filter has a span.
type instrument struct{ t *tracing }

// Filter gives n's handler a span of its own, "filter NAME", when
// filter spans are on.
func (in instrument) Filter(n *plan.Node, h http.Handler) http.Handler {
	if !in.t.filterSpans {
		return h
	}
	name := n.Name
	if _, s, ok := strings.Cut(n.Section, ":"); ok {
		name = s
	}
	start := []trace.SpanStartOption{trace.WithAttributes(
		attribute.String("pasteserve.filter", name),
		attribute.String("pasteserve.factory", n.Ref.Text))}
	spanName := "filter " + name
	tracer := in.t.tracer
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tracer.Start(r.Context(), spanName, start...)
		defer func() {
			if v := recover(); v != nil {
				span.SetStatus(codes.Error, "panic")
				span.End()
				panic(v) // to the server's recovery
			}
			span.End()
		}()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Mounted adds child's route to the server span's when child is
// mounted at a path (a urlmap's key; a pipeline selector's keys are
// not paths): the key's path as the paste file writes it, normalised
// as urlmap normalises it, never the request's own path, so that
// http.route takes as many values as the file has routes. Nested
// urlmaps add up ("/v2" then "/admin": "/v2/admin"). Of several keys
// that mount the same app, the one the urlmap matched is the one
// request.ScriptName ends with.
func (in instrument) Mounted(n, child *plan.Node, h http.Handler) http.Handler {
	var paths []string
	for key, c := range n.Children {
		if p, ok := routePath(key); ok && c == child {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		return h
	}
	slices.Sort(paths)
	app := child.Name
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if st, ok := r.Context().Value(serverSpanKey{}).(*serverTrace); ok {
			p := paths[0]
			if len(paths) > 1 {
				sn := request.ScriptName(r)
				for _, c := range paths {
					if strings.HasSuffix(sn, c) && len(c) >= len(p) {
						p = c
					}
				}
			}
			st.route += p
			st.app = app
			st.routed = true
		}
		h.ServeHTTP(w, r)
	})
}

// routePath returns the path of a urlmap key ("/v2.0", "domain
// example.com /v2.0", "http://host/v2.0", nova's "/v2.1/+"),
// normalised as urlmap does (runs of '/' collapsed, no trailing '/', ""
// for the root), and whether key is one.
func routePath(key string) (string, bool) {
	fields := strings.Fields(key)
	if len(fields) == 0 {
		return "", false
	}
	p := fields[len(fields)-1]
	if rest, ok := strings.CutPrefix(p, "http://"); ok {
		_, path, _ := strings.Cut(rest, "/")
		p = "/" + path
	}
	if !strings.HasPrefix(p, "/") {
		return "", false
	}
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	p = strings.TrimSuffix(p, "/+")
	return strings.TrimRight(p, "/"), true
}

// changed reports whether b differs from o: the tracer is made at start,
// so a reload that changes it needs a restart.
func (o TracingOptions) changed(b TracingOptions) bool {
	return o.Endpoint != b.Endpoint || o.ServiceName != b.ServiceName || o.SampleRatio != b.SampleRatio ||
		o.FilterSpans != b.FilterSpans || o.BatchDelay != b.BatchDelay || !slices.Equal(o.Headers, b.Headers)
}
