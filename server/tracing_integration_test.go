package server_test

import (
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// These tests run an OTLP/HTTP collector of their own on 127.0.0.1 (the
// protocol's protobuf export requests, decoded with the OpenTelemetry
// proto package), start the real binary with tracing on, and check the
// spans it exports: their trace and parent ids, names and attributes.

// collector is an OTLP/HTTP traces receiver.
type collector struct {
	srv     *httptest.Server
	mu      sync.Mutex
	spans   []exported
	exports int
	headers []http.Header
}

// exported is one span as the collector got it, with its resource's
// service.name.
type exported struct {
	*tracepb.Span
	service string
}

func newCollector(t *testing.T) *collector {
	c := &collector{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			t.Errorf("collector: %s %s (%s): not an OTLP/HTTP protobuf export", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
			http.Error(w, "no", http.StatusBadRequest)
			return
		}
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		b, err := io.ReadAll(body)
		var req coltracepb.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(b, &req)
		}
		if err != nil {
			t.Errorf("collector: undecodable export: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		c.exports++
		c.headers = append(c.headers, r.Header.Clone())
		for _, rs := range req.ResourceSpans {
			service := attr(rs.GetResource().GetAttributes(), "service.name")
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					c.spans = append(c.spans, exported{s, service})
				}
			}
		}
		c.mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(out)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

// snapshot returns the spans so far and the export requests' count.
func (c *collector) snapshot() ([]exported, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]exported(nil), c.spans...), c.exports
}

// waitTrace waits, up to timeout, for n spans of trace id (hex), and
// returns the trace's spans.
func (c *collector) waitTrace(t *testing.T, id string, n int, timeout time.Duration) []exported {
	t.Helper()
	var out []exported
	for end := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		spans, _ := c.snapshot()
		out = out[:0]
		for _, s := range spans {
			if hex.EncodeToString(s.TraceId) == id {
				out = append(out, s)
			}
		}
		if len(out) >= n || time.Now().After(end) {
			break
		}
	}
	if len(out) < n {
		t.Fatalf("trace %s: %d spans exported within %s, want %d:\n%s", id, len(out), timeout, n, describeSpans(out))
	}
	return out
}

// attr returns the string (or integer, as text) value of key in kvs.
func attr(kvs []*commonpb.KeyValue, key string) string {
	for _, kv := range kvs {
		if kv.Key == key {
			switch v := kv.Value.Value.(type) {
			case *commonpb.AnyValue_StringValue:
				return v.StringValue
			case *commonpb.AnyValue_IntValue:
				return fmt.Sprint(v.IntValue)
			case *commonpb.AnyValue_BoolValue:
				return fmt.Sprint(v.BoolValue)
			}
		}
	}
	return ""
}

func describeSpans(spans []exported) string {
	var b strings.Builder
	for _, s := range spans {
		fmt.Fprintf(&b, "  %q trace=%x span=%x parent=%x kind=%v attrs=%v\n", s.Name, s.TraceId, s.SpanId, s.ParentSpanId, s.Kind, s.Attributes)
	}
	return b.String()
}

// byName returns the span called name, failing without exactly one.
func byName(t *testing.T, spans []exported, name string) exported {
	t.Helper()
	var found []exported
	for _, s := range spans {
		if s.Name == name {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d spans named %q, want 1:\n%s", len(found), name, describeSpans(spans))
	}
	return found[0]
}

// upstream is the proxy app's upstream: it records the traceparent and
// tracestate of each request.
type upstream struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []http.Header
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.got = append(u.got, r.Header.Clone())
		u.mu.Unlock()
		io.WriteString(w, "upstream\n")
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) last(t *testing.T) http.Header {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.got) == 0 {
		t.Fatal("the upstream got no request")
	}
	return u.got[len(u.got)-1]
}

// tracedPaste is http_proxy_to_wsgi in front of a urlmap with a Go
// pipeline at /v1 (two filters in front of an app), the proxy app at
// /up, a urlmap of its own at /v2, and hello at /.
func tracedPaste(upstreamURL, serverOptions string) string {
	return `[pipeline:main]
pipeline = http_proxy_to_wsgi urls

[filter:http_proxy_to_wsgi]
use = egg:oslo.middleware#http_proxy_to_wsgi
enable_proxy_headers_parsing = true

[composite:urls]
use = egg:Paste#urlmap
/ = hello
/v1 = api
/up = up
/v2// = inner
/panic = panicky

[pipeline:panicky]
pipeline = sizelimit boom

[composite:inner]
use = egg:Paste#urlmap
domain localhost /admin/ = hello
/admin = hello

[pipeline:api]
pipeline = request_id sizelimit headers

[filter:request_id]
use = egg:oslo.middleware#request_id

[filter:sizelimit]
use = egg:oslo.middleware#sizelimit

[app:up]
use = egg:Paste#proxy
address = ` + upstreamURL + `
` + apps + local + serverOptions
}

const (
	clientTrace  = "4bf92f3577b34da6a3ce929d0e0e4736"
	clientParent = "00f067aa0ba902b7"
)

func TestTracingExportsSpans(t *testing.T) {
	col := newCollector(t)
	up := newUpstream(t)
	p := start(t, map[string]string{"api.ini": tracedPaste(up.srv.URL, `tracing_endpoint = `+col.srv.URL+`
tracing_service_name = pstest
tracing_filter_spans = true
tracing_batch_delay = 0.1
tracing_headers = authorization=Bearer s3cret-value,x-tenant=t1
`)}, "--debug")

	// A client's trace: the server span is its child, the filters'
	// spans the server span's, nested as the filters are.
	code, _, h := get(t, p.url("/v1/things"), "traceparent", "00-"+clientTrace+"-"+clientParent+"-01", "tracestate", "vendor=abc")
	if code != 200 {
		t.Fatalf("GET /v1/things = %d", code)
	}
	spans := col.waitTrace(t, clientTrace, 4, 20*time.Second)
	srv := byName(t, spans, "GET /v1")
	if got := hex.EncodeToString(srv.ParentSpanId); got != clientParent {
		t.Errorf("server span's parent = %s, want the client's %s", got, clientParent)
	}
	if srv.Kind != tracepb.Span_SPAN_KIND_SERVER || srv.TraceState != "vendor=abc" || srv.service != "pstest" {
		t.Errorf("server span: kind %v, tracestate %q, service %q; want SERVER, vendor=abc, pstest", srv.Kind, srv.TraceState, srv.service)
	}
	id := h.Get("X-Openstack-Request-Id")
	for key, want := range map[string]string{"http.route": "/v1", "http.response.status_code": "200", "pasteserve.request_id": id, "pasteserve.app": "api", "url.path": "/v1/things"} {
		if got := attr(srv.Attributes, key); got != want || want == "" {
			t.Errorf("server span %s = %q, want %q", key, got, want)
		}
	}
	front := byName(t, spans, "filter http_proxy_to_wsgi")
	rid := byName(t, spans, "filter request_id")
	size := byName(t, spans, "filter sizelimit")
	if string(front.ParentSpanId) != string(srv.SpanId) || string(rid.ParentSpanId) != string(front.SpanId) || string(size.ParentSpanId) != string(rid.SpanId) {
		t.Errorf("filter spans are not nested server > http_proxy_to_wsgi > request_id > sizelimit:\n%s", describeSpans(spans))
	}
	if attr(rid.Attributes, "pasteserve.factory") != "egg:oslo.middleware#request_id" {
		t.Errorf("request_id span's factory: %v", rid.Attributes)
	}

	// No traceparent: a trace of its own, the server span its root.
	if code, _, _ := get(t, p.url("/anything/else")); code != 200 {
		t.Fatalf("GET /anything/else = %d", code)
	}
	var root exported
	for end := time.Now().Add(20 * time.Second); root.Span == nil && time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		all, _ := col.snapshot()
		for _, s := range all {
			if s.Name == "GET /" {
				root = s
			}
		}
	}
	if root.Span == nil {
		all, _ := col.snapshot()
		t.Fatalf("no span GET / for a request without traceparent:\n%s", describeSpans(all))
	}
	if len(root.ParentSpanId) != 0 || hex.EncodeToString(root.TraceId) == clientTrace || attr(root.Attributes, "http.route") != "/" {
		t.Errorf("span of a request without traceparent: parent %x, trace %x, route %q; want a root span of a new trace, route /",
			root.ParentSpanId, root.TraceId, attr(root.Attributes, "http.route"))
	}

	// Routes are the file's: nested urlmaps add up, the keys normalised
	// as urlmap does, and a prefix the client sends (X-Forwarded-Prefix,
	// which http_proxy_to_wsgi moves into SCRIPT_NAME) is no route.
	for _, c := range []struct{ path, prefix, route string }{
		{"/v2/admin/x", "", "/v2/admin"},
		{"/v2/admin", "/client/chosen", "/v2/admin"},
		{"/somewhere", "/client/chosen", "/"},
	} {
		trace := fmt.Sprintf("%032x", len(c.path)*1000+len(c.prefix))
		hdr := []string{"traceparent", "00-" + trace + "-" + clientParent + "-01"}
		if c.prefix != "" {
			hdr = append(hdr, "X-Forwarded-Prefix", c.prefix)
		}
		if code, body, _ := get(t, p.url(c.path), hdr...); code != 200 {
			t.Fatalf("GET %s = %d %s", c.path, code, body)
		}
		s := byName(t, col.waitTrace(t, trace, 2, 20*time.Second), "GET "+c.route)
		if got := attr(s.Attributes, "http.route"); got != c.route {
			t.Errorf("GET %s (prefix %q): http.route %q, want %q", c.path, c.prefix, got, c.route)
		}
	}

	// The proxy's upstream gets the trace: its parent is the span that
	// proxied it, the innermost filter's.
	const proxyTrace = "0af7651916cd43dd8448eb211c80319c"
	if code, _, _ := get(t, p.url("/up/x"), "traceparent", "00-"+proxyTrace+"-b7ad6b7169203331-01"); code != 200 {
		t.Fatalf("GET /up/x = %d", code)
	}
	tp := up.last(t).Get("Traceparent")
	proxySpans := col.waitTrace(t, proxyTrace, 2, 20*time.Second)
	byName(t, proxySpans, "GET /up")
	proxied := byName(t, proxySpans, "filter http_proxy_to_wsgi")
	if want := "00-" + proxyTrace + "-" + hex.EncodeToString(proxied.SpanId) + "-01"; tp != want {
		t.Errorf("upstream got traceparent %q, want %q (the span of the filter it ran in)", tp, want)
	}

	// The exporter's headers reach the collector; the log never shows
	// their values.
	col.mu.Lock()
	sent := col.headers[0]
	col.mu.Unlock()
	if sent.Get("Authorization") != "Bearer s3cret-value" || sent.Get("X-Tenant") != "t1" {
		t.Errorf("export request headers: %v", sent)
	}
	if !p.logContains(`"option":"DEFAULT.tracing_headers","value":"****"`, 5*time.Second) {
		t.Errorf("log_options does not print tracing_headers masked:\n%s", p.eventsText())
	}
	if strings.Contains(p.logText(), "s3cret") {
		t.Errorf("the log holds an exporter header's value:\n%s", p.logText())
	}

	// A panic: the server span and the filter's say it failed, with the
	// 500 the server's recovery answers.
	const panicTrace = "22222222222222222222222222222222"
	if code, _, _ := get(t, p.url("/panic"), "traceparent", "00-"+panicTrace+"-"+clientParent+"-01"); code != 500 {
		t.Fatalf("GET /panic = %d", code)
	}
	panicked := col.waitTrace(t, panicTrace, 3, 20*time.Second)
	for _, name := range []string{"GET /panic", "filter sizelimit"} {
		if s := byName(t, panicked, name); s.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR {
			t.Errorf("%s of a panicking request: status %v, want an error", name, s.Status)
		}
	}
	if s := byName(t, panicked, "GET /panic"); attr(s.Attributes, "http.response.status_code") != "500" || attr(s.Attributes, "pasteserve.request_id") == "" {
		t.Errorf("span of a panicking request: %v", s.Attributes)
	}

	// A reload builds the new pipeline with the same tracer: its
	// filters and routes are traced as the first one's.
	p.signal(syscall.SIGHUP)
	if err := p.waitFor("reloaded: new requests use the rebuilt pipeline", 20*time.Second); err != nil {
		t.Fatalf("reload: %v\n%s", err, p.eventsText())
	}
	const reloadTrace = "11111111111111111111111111111111"
	if code, _, _ := get(t, p.url("/v1/after"), "traceparent", "00-"+reloadTrace+"-"+clientParent+"-01"); code != 200 {
		t.Fatalf("GET /v1/after = %d", code)
	}
	after := col.waitTrace(t, reloadTrace, 4, 20*time.Second)
	byName(t, after, "GET /v1")
	byName(t, after, "filter sizelimit")
}

// TestTracingFlushesAtStop: spans still batched when SIGTERM comes are
// exported before the process exits.
func TestTracingFlushesAtStop(t *testing.T) {
	col := newCollector(t)
	up := newUpstream(t)
	p := start(t, map[string]string{"api.ini": tracedPaste(up.srv.URL, "tracing_endpoint = "+col.srv.URL+"\ntracing_batch_delay = 600\n")})
	const n = 5
	for i := 0; i < n; i++ {
		if code, _, _ := get(t, p.url(fmt.Sprintf("/v1/%d", i))); code != 200 {
			t.Fatalf("GET = %d", code)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if spans, exports := col.snapshot(); exports != 0 {
		t.Fatalf("spans exported before the stop, with a 600 s batch delay: %d export(s), %d span(s)", exports, len(spans))
	}
	p.signal(syscall.SIGTERM)
	if err := p.wait(30 * time.Second); err != nil {
		t.Fatalf("exit: %v\n%s", err, p.eventsText())
	}
	spans, _ := col.snapshot()
	got := 0
	for _, s := range spans {
		if s.Name == "GET /v1" {
			got++
		}
	}
	if got != n {
		t.Errorf("%d server spans exported at SIGTERM, want %d:\n%s", got, n, describeSpans(spans))
	}
	if !strings.Contains(p.logText(), "tracing: spans exported") {
		t.Errorf("no log line for the flush:\n%s", p.eventsText())
	}
}

// TestTracingOffExportsNothing: without tracing_endpoint nothing is
// exported, even with OpenTelemetry's environment variables set, and a
// client's traceparent reaches the upstream as it was sent.
func TestTracingOffExportsNothing(t *testing.T) {
	col := newCollector(t)
	up := newUpstream(t)
	p := launchIn(t, t.TempDir(), map[string]string{"api.ini": tracedPaste(up.srv.URL, "")},
		[]string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + col.srv.URL, "OTEL_TRACES_EXPORTER=otlp"})
	if err := p.waitFor("listening", 20*time.Second); err != nil {
		t.Fatalf("server did not start: %v\n%s", err, p.logText())
	}
	sent := "00-" + clientTrace + "-" + clientParent + "-01"
	for _, path := range []string{"/v1/x", "/", "/up/y"} {
		if code, _, _ := get(t, p.url(path), "traceparent", sent); code != 200 {
			t.Fatalf("GET %s = %d", path, code)
		}
	}
	if got := up.last(t).Get("Traceparent"); got != sent {
		t.Errorf("with tracing off, the upstream got traceparent %q, want the client's %q", got, sent)
	}
	p.signal(syscall.SIGTERM)
	if err := p.wait(30 * time.Second); err != nil {
		t.Fatalf("exit: %v", err)
	}
	if spans, exports := col.snapshot(); exports != 0 {
		t.Errorf("tracing off: %d export(s), %d span(s)", exports, len(spans))
	}
	if strings.Contains(p.logText(), "tracing:") {
		t.Errorf("tracing off, yet the log speaks of it:\n%s", p.eventsText())
	}
}

// TestTracingReachesPython: the Python part of a pipeline sees, in its
// environ's HTTP_TRACEPARENT, the Go span that handed it the request
// (the innermost Go filter's), not the client's.
func TestTracingReachesPython(t *testing.T) {
	col := newCollector(t)
	p := startPython(t, map[string]string{"svc.conf": pyConf + "[DEFAULT]\ntracing_endpoint = " + col.srv.URL +
		"\ntracing_filter_spans = true\ntracing_batch_delay = 0.1\n"}, nil)
	code, body, _ := get(t, p.url("/v1/report"), "traceparent", "00-"+clientTrace+"-"+clientParent+"-01", "tracestate", "vendor=abc")
	if code != 200 {
		t.Fatalf("GET /v1/report = %d %s", code, body)
	}
	var report struct{ Environ map[string]string }
	if err := json.Unmarshal([]byte(body), &report); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	// Go runs request_id, http_proxy_to_wsgi and delay; Python the rest.
	spans := col.waitTrace(t, clientTrace, 4, 20*time.Second)
	delay := byName(t, spans, "filter delay")
	want := "00-" + clientTrace + "-" + hex.EncodeToString(delay.SpanId) + "-01"
	if got := report.Environ["HTTP_TRACEPARENT"]; got != want {
		t.Errorf("Python's HTTP_TRACEPARENT = %q, want %q (Go's innermost span)\n%s", got, want, describeSpans(spans))
	}
	if got := report.Environ["HTTP_TRACESTATE"]; got != "vendor=abc" {
		t.Errorf("Python's HTTP_TRACESTATE = %q, want vendor=abc", got)
	}
	if srv := byName(t, spans, "GET /v1"); hex.EncodeToString(srv.ParentSpanId) != clientParent {
		t.Errorf("server span's parent %x, want %s", srv.ParentSpanId, clientParent)
	}
}

// TestTracingSampleRatio: with tracing_sample_ratio = 0 a trace
// started here is not recorded, while a caller's sampled trace is
// followed; an unsampled trace still reaches the upstream, flagged so.
func TestTracingSampleRatio(t *testing.T) {
	col := newCollector(t)
	up := newUpstream(t)
	p := start(t, map[string]string{"api.ini": tracedPaste(up.srv.URL, "tracing_endpoint = "+col.srv.URL+"\ntracing_sample_ratio = 0\ntracing_batch_delay = 0.1\n")})
	if code, _, _ := get(t, p.url("/up/unsampled")); code != 200 {
		t.Fatalf("GET = %d", code)
	}
	tp := up.last(t).Get("Traceparent")
	if !strings.HasPrefix(tp, "00-") || !strings.HasSuffix(tp, "-00") || len(tp) != 55 {
		t.Errorf("upstream of an unsampled request got traceparent %q, want one flagged 00", tp)
	}
	if code, _, _ := get(t, p.url("/v1/sampled"), "traceparent", "00-"+clientTrace+"-"+clientParent+"-01"); code != 200 {
		t.Fatalf("GET = %d", code)
	}
	byName(t, col.waitTrace(t, clientTrace, 1, 20*time.Second), "GET /v1")
	p.signal(syscall.SIGTERM)
	if err := p.wait(30 * time.Second); err != nil {
		t.Fatalf("exit: %v", err)
	}
	spans, _ := col.snapshot()
	for _, s := range spans {
		if hex.EncodeToString(s.TraceId) != clientTrace {
			t.Errorf("a span of a trace started here was exported with sample ratio 0: %q", s.Name)
		}
	}
}

// TestTracingWorkers: with api_workers each worker exports its own
// spans, and those still batched at SIGTERM (which the master passes
// on) are exported before the workers exit.
func TestTracingWorkers(t *testing.T) {
	col := newCollector(t)
	up := newUpstream(t)
	p := start(t, map[string]string{"api.ini": tracedPaste(up.srv.URL, "tracing_endpoint = "+col.srv.URL+"\ntracing_batch_delay = 600\n")}, "--workers", "2")
	const n = 6
	for i := 0; i < n; i++ {
		// A connection each, so that both workers are likely to serve.
		req, _ := http.NewRequest("GET", p.url(fmt.Sprintf("/v1/%d", i)), nil)
		req.Close = true
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	p.signal(syscall.SIGTERM)
	if err := p.wait(60 * time.Second); err != nil {
		t.Fatalf("exit: %v\n%s", err, p.eventsText())
	}
	spans, _ := col.snapshot()
	got := 0
	for _, s := range spans {
		if s.Name == "GET /v1" {
			got++
		}
	}
	if got != n {
		t.Errorf("%d server spans exported, want %d:\n%s", got, n, describeSpans(spans))
	}
}

// TestTracingExportFailureLogged: a collector that refuses the export
// is logged, its answer masked (this one echoes the credential), and
// the requests are served all the same.
func TestTracingExportFailureLogged(t *testing.T) {
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "refused: unknown key "+r.Header.Get("X-Api-Key"), http.StatusBadRequest)
	}))
	defer refusing.Close()
	up := newUpstream(t)
	p := start(t, map[string]string{"api.ini": tracedPaste(up.srv.URL, "tracing_endpoint = "+refusing.URL+
		"\ntracing_batch_delay = 0.1\ntracing_headers = x-api-key=k3y-v4lue-9\n")})
	if code, _, _ := get(t, p.url("/v1/x")); code != 200 {
		t.Fatalf("GET = %d", code)
	}
	if !p.logContains("tracing: export failed", 20*time.Second) {
		t.Fatalf("no log line for the failed export:\n%s", p.eventsText())
	}
	if strings.Contains(p.logText(), "k3y-v4lue-9") {
		t.Errorf("the log quotes the exporter's credential:\n%s", p.eventsText())
	}
}
