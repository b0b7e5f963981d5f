package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestSpanNameMethodBounded: a span's name takes the method only when
// net/http names it, else "HTTP" (as OpenTelemetry's HTTP conventions
// say), so that a client inventing methods cannot make as many span
// names as it sends requests.
func TestSpanNameMethodBounded(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	defer tp.Shutdown(t.Context())
	tr := &tracing{tp: tp, tracer: tp.Tracer(tracerName)}
	h := tr.handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, m := range []string{"GET", "X-INVENTED-1", "FOO"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(m, "/", nil))
	}
	var names []string
	for _, s := range exp.GetSpans() {
		names = append(names, s.Name)
	}
	want := []string{"GET", "HTTP", "HTTP"}
	if len(names) != len(want) {
		t.Fatalf("spans %q, want %q", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Errorf("span %d named %q, want %q", i, names[i], want[i])
		}
	}
}
