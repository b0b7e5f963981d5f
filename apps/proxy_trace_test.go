package apps

import (
	"context"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

// TestPropagateTraceOff: with no span in the request's context (tracing
// off) the client's traceparent goes upstream as it was sent, and
// nothing is allocated.
func TestPropagateTraceOff(t *testing.T) {
	sent := "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	h := http.Header{"Traceparent": {sent}}
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() { propagateTrace(ctx, h) }); n != 0 {
		t.Errorf("propagateTrace without a span allocates %v times", n)
	}
	if got := h.Get("Traceparent"); got != sent {
		t.Errorf("traceparent = %q, want the client's %q", got, sent)
	}
}

// TestPropagateTraceOn: the span of the context is the upstream's
// parent, its trace state with it.
func TestPropagateTraceOn(t *testing.T) {
	tid, _ := trace.TraceIDFromHex("0af7651916cd43dd8448eb211c80319c")
	sid, _ := trace.SpanIDFromHex("b7ad6b7169203331")
	ts, _ := trace.ParseTraceState("vendor=abc")
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled, TraceState: ts})
	h := http.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}
	propagateTrace(trace.ContextWithSpanContext(context.Background(), sc), h)
	if got, want := h.Get("Traceparent"), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"; got != want {
		t.Errorf("traceparent = %q, want %q", got, want)
	}
	if got := h.Get("Tracestate"); got != "vendor=abc" {
		t.Errorf("tracestate = %q", got)
	}
}

// TestPropagateTraceDropsStaleState: a span with no trace state (a new
// trace, begun because the client's traceparent did not parse, or whose
// tracestate did not) sends upstream no tracestate: the client's belongs
// to another trace, or is malformed, and W3C Trace Context says to drop
// it rather than pass it on with a traceparent it does not go with.
func TestPropagateTraceDropsStaleState(t *testing.T) {
	tid, _ := trace.TraceIDFromHex("0af7651916cd43dd8448eb211c80319c")
	sid, _ := trace.SpanIDFromHex("b7ad6b7169203331")
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
	h := http.Header{"Traceparent": {"00-not-a-trace-parent"}, "Tracestate": {"vendor=client"}}
	propagateTrace(trace.ContextWithSpanContext(context.Background(), sc), h)
	if got, want := h.Get("Traceparent"), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"; got != want {
		t.Errorf("traceparent = %q, want %q", got, want)
	}
	if got, ok := h["Tracestate"]; ok {
		t.Errorf("tracestate = %q, want none: the client's went with another trace", got)
	}
}
