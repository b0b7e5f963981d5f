package otlphttp

import (
	"compress/gzip"
	"context"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// spans are two resources' spans, as otlptrace hands them over.
func spans() []*tracepb.ResourceSpans {
	attr := func(k, v string) *commonpb.KeyValue {
		return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
	}
	one := func(service, name string) *tracepb.ResourceSpans {
		return &tracepb.ResourceSpans{
			Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{attr("service.name", service)}},
			ScopeSpans: []*tracepb.ScopeSpans{{
				Scope: &commonpb.InstrumentationScope{Name: "pasteserve"},
				Spans: []*tracepb.Span{{
					TraceId: []byte("0123456789abcdef"), SpanId: []byte("01234567"), Name: name,
					Kind: tracepb.Span_SPAN_KIND_SERVER, StartTimeUnixNano: 1, EndTimeUnixNano: 2,
					Attributes: []*commonpb.KeyValue{attr("http.route", "/v2.0")},
				}},
			}},
		}
	}
	return []*tracepb.ResourceSpans{one("neutron-api", "GET /v2.0"), one("nova-api", "POST /v2.1")}
}

// collector is a test OTLP receiver: handle answers each export, and
// the requests are decoded with the collector's own protobuf types,
// which this package does not link.
func collector(t *testing.T, handle func(n int, w http.ResponseWriter, r *http.Request, got *coltracepb.ExportTraceServiceRequest)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(posts.Add(1))
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				t.Errorf("gzip: %v", err)
				return
			}
			body = zr
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Errorf("reading the export: %v", err)
		}
		var got coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &got); err != nil {
			t.Errorf("the export is no ExportTraceServiceRequest: %v", err)
		}
		handle(n, w, r, &got)
	}))
	t.Cleanup(srv.Close)
	return srv, &posts
}

func newClient(t *testing.T, o Options) *Client {
	t.Helper()
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	c.retryFirst, c.retryMax = time.Millisecond, 4*time.Millisecond
	return c
}

func TestUploadIsAnExportTraceServiceRequest(t *testing.T) {
	want := spans()
	srv, posts := collector(t, func(_ int, w http.ResponseWriter, r *http.Request, got *coltracepb.ExportTraceServiceRequest) {
		if !proto.Equal(got, &coltracepb.ExportTraceServiceRequest{ResourceSpans: want}) {
			t.Errorf("the collector got %v, want the spans sent", got)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/x-protobuf" {
			t.Errorf("Content-Type %q", ct)
		}
		if a := r.Header.Get("Authorization"); a != "Bearer s3cret" {
			t.Errorf("Authorization %q, want the configured header", a)
		}
		if r.URL.Path != "/v1/traces" || r.Method != http.MethodPost {
			t.Errorf("%s %s", r.Method, r.URL.Path)
		}
	})
	c := newClient(t, Options{URL: srv.URL + "/v1/traces", Headers: map[string]string{"Authorization": "Bearer s3cret"}})
	if err := c.UploadTraces(context.Background(), want); err != nil {
		t.Fatal(err)
	}
	if posts.Load() != 1 {
		t.Errorf("%d posts, want 1", posts.Load())
	}
}

func TestUploadRetriesUnavailableCollector(t *testing.T) {
	srv, posts := collector(t, func(n int, w http.ResponseWriter, _ *http.Request, got *coltracepb.ExportTraceServiceRequest) {
		if len(got.ResourceSpans) != 2 {
			t.Errorf("post %d held %d resources, want every try to carry the 2", n, len(got.ResourceSpans))
		}
		switch n {
		case 1:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
		case 2:
			w.WriteHeader(http.StatusTooManyRequests)
		}
	})
	if err := newClient(t, Options{URL: srv.URL}).UploadTraces(context.Background(), spans()); err != nil {
		t.Fatalf("after a 503 and a 429: %v, want the third try to succeed", err)
	}
	if posts.Load() != 3 {
		t.Errorf("%d posts, want 3", posts.Load())
	}
}

func TestUploadDoesNotRetryABadRequest(t *testing.T) {
	srv, posts := collector(t, func(_ int, w http.ResponseWriter, _ *http.Request, _ *coltracepb.ExportTraceServiceRequest) {
		http.Error(w, "span too big", http.StatusBadRequest)
	})
	err := newClient(t, Options{URL: srv.URL}).UploadTraces(context.Background(), spans())
	if err == nil || !strings.Contains(err.Error(), "400 Bad Request: span too big") {
		t.Fatalf("got %v, want the collector's 400 and its text", err)
	}
	if posts.Load() != 1 {
		t.Errorf("%d posts, want 1: a 400 is not retried", posts.Load())
	}
}

func TestUploadGivesUpWhenTheContextEnds(t *testing.T) {
	srv, posts := collector(t, func(_ int, w http.ResponseWriter, _ *http.Request, _ *coltracepb.ExportTraceServiceRequest) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	c := newClient(t, Options{URL: srv.URL})
	c.retryTotal = 2 * time.Hour // so that only the context ends it
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.UploadTraces(ctx, spans())
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("got %v, want the 503 and the context's deadline", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %s: the Retry-After outlived the context", took)
	}
	if posts.Load() != 1 {
		t.Errorf("%d posts, want 1", posts.Load())
	}
}

func TestUploadStopsRetryingAfterItsLimit(t *testing.T) {
	srv, posts := collector(t, func(_ int, w http.ResponseWriter, _ *http.Request, _ *coltracepb.ExportTraceServiceRequest) {
		w.WriteHeader(http.StatusBadGateway)
	})
	c := newClient(t, Options{URL: srv.URL})
	c.retryTotal = 50 * time.Millisecond
	err := c.UploadTraces(context.Background(), spans())
	if err == nil || !strings.Contains(err.Error(), "not retried") {
		t.Fatalf("got %v, want it to give up", err)
	}
	if n := posts.Load(); n < 2 || n > 60 {
		t.Errorf("%d posts in 50 ms of 1–4 ms backoffs", n)
	}
}

func TestUploadReportsAPartialSuccess(t *testing.T) {
	answers := []struct {
		contentType string
		body        func() []byte
	}{
		{"application/x-protobuf", func() []byte {
			b, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{PartialSuccess: &coltracepb.ExportTracePartialSuccess{RejectedSpans: 2, ErrorMessage: "no trace id"}})
			return b
		}},
		{"application/json", func() []byte { return []byte(`{"partialSuccess":{"rejectedSpans":"2","errorMessage":"no trace id"}}`) }},
		{"application/json", func() []byte { return []byte(`{"partialSuccess":{"rejectedSpans":2,"errorMessage":"no trace id"}}`) }},
	}
	for _, a := range answers {
		srv, _ := collector(t, func(_ int, w http.ResponseWriter, _ *http.Request, _ *coltracepb.ExportTraceServiceRequest) {
			w.Header().Set("Content-Type", a.contentType)
			w.Write(a.body())
		})
		err := newClient(t, Options{URL: srv.URL}).UploadTraces(context.Background(), spans())
		var ps *PartialSuccessError
		if !errors.As(err, &ps) || ps.RejectedSpans != 2 || ps.Message != "no trace id" {
			t.Errorf("%s: got %v, want 2 rejected spans and the message", a.contentType, err)
		}
	}
	// A full success, with an empty partial_success, is no error.
	srv, _ := collector(t, func(_ int, w http.ResponseWriter, _ *http.Request, _ *coltracepb.ExportTraceServiceRequest) {
		w.Header().Set("Content-Type", "application/x-protobuf")
		b, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{PartialSuccess: &coltracepb.ExportTracePartialSuccess{}})
		w.Write(b)
	})
	if err := newClient(t, Options{URL: srv.URL}).UploadTraces(context.Background(), spans()); err != nil {
		t.Errorf("an empty partial_success: %v", err)
	}
}

func TestEnvironmentGzipAndTimeout(t *testing.T) {
	env := map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "none", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "gzip", "OTEL_EXPORTER_OTLP_TIMEOUT": "50"}
	release := make(chan struct{})
	srv, _ := collector(t, func(n int, w http.ResponseWriter, r *http.Request, got *coltracepb.ExportTraceServiceRequest) {
		if r.Header.Get("Content-Encoding") != "gzip" || len(got.ResourceSpans) != 2 {
			t.Errorf("post %d: Content-Encoding %q, %d resources: want the TRACES_ variable's gzip", n, r.Header.Get("Content-Encoding"), len(got.ResourceSpans))
		}
		if n == 1 {
			<-release // past the 50 ms timeout: the client gives up and tries again
		}
	})
	defer close(release)
	c, err := New(Options{URL: srv.URL, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	if c.http.Timeout != 50*time.Millisecond {
		t.Errorf("timeout %s, want OTEL_EXPORTER_OTLP_TIMEOUT's 50 ms", c.http.Timeout)
	}
	c.retryFirst = time.Millisecond
	if err := c.UploadTraces(context.Background(), spans()); err != nil {
		t.Errorf("after a timed-out try: %v", err)
	}
}

func TestUploadDoesNotRetryARefusedConnection(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := newClient(t, Options{URL: url})
	c.retryFirst = time.Hour // a retry would hang the test
	if err := c.UploadTraces(context.Background(), spans()); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("got %v, want the refused connection at once", err)
	}
}

func TestEnvironmentErrors(t *testing.T) {
	for env, want := range map[string]string{
		"OTEL_EXPORTER_OTLP_TIMEOUT=ten":                    `OTEL_EXPORTER_OTLP_TIMEOUT="ten": not a number of milliseconds`,
		"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION=zstd":        `OTEL_EXPORTER_OTLP_TRACES_COMPRESSION="zstd": gzip or none`,
		"OTEL_EXPORTER_OTLP_CERTIFICATE=/nonexistent.pem":   "OTEL_EXPORTER_OTLP_CERTIFICATE: open /nonexistent.pem",
		"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE=/client.pem": "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and OTEL_EXPORTER_OTLP_CLIENT_KEY: set both or neither",
	} {
		k, v, _ := strings.Cut(env, "=")
		_, err := New(Options{URL: "http://127.0.0.1:4318/v1/traces", Getenv: func(name string) string {
			if name == k {
				return v
			}
			return ""
		}})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", env, err, want)
		}
	}
}

func TestEnvironmentCertificate(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	// Without the CA the collector's certificate is refused.
	c := newClient(t, Options{URL: srv.URL})
	if err := c.UploadTraces(context.Background(), spans()); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without the CA: %v, want a certificate error", err)
	}
	ca := t.TempDir() + "/ca.pem"
	writePEM(t, ca, srv.Certificate().Raw)
	c = newClient(t, Options{URL: srv.URL, Getenv: func(k string) string {
		if k == "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE" {
			return ca
		}
		return ""
	}})
	if err := c.UploadTraces(context.Background(), spans()); err != nil {
		t.Errorf("with the CA in OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: %v", err)
	}
}

func writePEM(t *testing.T, path string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
