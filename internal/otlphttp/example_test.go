package otlphttp_test

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/pasteserve/pasteserve/internal/otlphttp"
)

// The client goes under OpenTelemetry's span exporter, which goes under
// the SDK's batcher.
func Example() {
	client, err := otlphttp.New(otlphttp.Options{URL: "http://127.0.0.1:4318/v1/traces"})
	if err != nil {
		fmt.Println(err)
		return
	}
	exporter, err := otlptrace.New(context.Background(), client)
	if err != nil {
		fmt.Println(err)
		return
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter))
	defer tp.Shutdown(context.Background())
	fmt.Println("exporting")
	// Output: exporting
}
