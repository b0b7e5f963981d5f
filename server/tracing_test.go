package server

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// loadTracing loads a paste file whose [server:main] ends in extra.
func loadTracing(t *testing.T, extra string) (*Settings, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "api.ini")
	src := "[app:main]\nuse = egg:pasteserve#echo\n[server:main]\nuse = egg:pasteserve#http\n" + extra
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return LoadSettings(Flags{Paste: path, Workers: -1})
}

func TestTracingOptions(t *testing.T) {
	cfg, err := loadTracing(t, "tracing_endpoint = http://127.0.0.1:4318\ntracing_sample_ratio = 0.25\n"+
		"tracing_headers = authorization=Bearer abc, x-tenant = t1\ntracing_filter_spans = true\ntracing_batch_delay = 0.5\n")
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.Tracing
	want := ExporterHeaders{{"authorization", "Bearer abc"}, {"x-tenant", "t1"}}
	if o.Endpoint.url() != "http://127.0.0.1:4318/v1/traces" || o.SampleRatio != 0.25 || !o.FilterSpans ||
		o.BatchDelay != 500*time.Millisecond || o.ServiceName != "pasteserve" || len(o.Headers) != 2 || o.Headers[0] != want[0] || o.Headers[1] != want[1] {
		t.Errorf("decoded %+v", o)
	}
	if got := o.Headers.String(); got != "authorization=****,x-tenant=****" {
		t.Errorf("headers print as %q", got)
	}
	if v := optionValues(&cfg.Options)["DEFAULT.tracing_headers"]; strings.Contains(v, "abc") {
		t.Errorf("the option's value prints as %q", v)
	}
	cfg, _ = loadTracing(t, "tracing_endpoint = https://otel.example.com/custom/path\n")
	if got := cfg.Tracing.Endpoint.url(); got != "https://otel.example.com/custom/path" {
		t.Errorf("a URL with a path: %q", got)
	}
}

func TestTracingOptionErrors(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"tracing_endpoint = ftp://collector", `api.ini:5:1: tracing_endpoint: "ftp://collector" is not an http:// or https:// URL of an OTLP/HTTP collector`},
		{"tracing_endpoint = http://user:hunter2@collector:4318", `holds a user name or password: give credentials in tracing_headers`},
		{"tracing_sample_ratio = 2", `api.ini:5:1: tracing_sample_ratio: "2" is not a number from 0 to 1`},
		{"tracing_headers = authorization", `api.ini:5:1: tracing_headers: item 1 is not name=value`},
		{"tracing_batch_delay = -1", `api.ini:5:1: tracing_batch_delay:`},
	} {
		_, err := loadTracing(t, tc.line+"\n")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.line, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error shows the password: %v", tc.line, err)
		}
	}
}

// TestTracingOffAddsNothing: off, the server serves its app itself (no
// layer around it) and the build wraps nothing.
func TestTracingOffAddsNothing(t *testing.T) {
	cfg, err := loadTracing(t, "")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := startTracing(cfg.Tracing, zerolog.Nop())
	if tr != nil || err != nil {
		t.Fatalf("startTracing without an endpoint = %v, %v", tr, err)
	}
	app := http.NewServeMux()
	if h := tr.handler(app); h != http.Handler(app) {
		t.Errorf("tracing off wraps the app: %T", h)
	}
	if in := cfg.buildOptions().Instrument; in != nil {
		t.Errorf("tracing off, the build has an instrument: %T", in)
	}
}

func TestRoutePath(t *testing.T) {
	for key, want := range map[string]string{
		"/": "", "/v2.0": "/v2.0", "/v2.0/": "/v2.0", "//v2//x/": "/v2/x", "domain example.com port 8080 /v3": "/v3",
		"http://example.com/v1": "/v1", "/v2.1/+": "/v2.1",
	} {
		if got, ok := routePath(key); !ok || got != want {
			t.Errorf("routePath(%q) = %q, %v; want %q", key, got, ok, want)
		}
	}
	for _, key := range []string{"keystone", "noauth2", "not_found_app", ""} {
		if got, ok := routePath(key); ok {
			t.Errorf("routePath(%q) = %q: a selector's key is no route", key, got)
		}
	}
}

// TestTracingEndpointPrints: --debug and log_options print
// tracing_endpoint as it was set, a query's credential masked; they
// printed it empty, as if tracing were off, for want of a way to write
// the type back.
func TestTracingEndpointPrints(t *testing.T) {
	cfg, err := loadTracing(t, "tracing_endpoint = http://127.0.0.1:4318/v1/traces?api_key=s3cr3t\n")
	if err != nil {
		t.Fatal(err)
	}
	v := optionValues(&cfg.Options)["DEFAULT.tracing_endpoint"]
	if !strings.HasPrefix(v, "http://127.0.0.1:4318/v1/traces") || strings.Contains(v, "s3cr3t") {
		t.Errorf("tracing_endpoint prints as %q, want the URL with its api_key masked", v)
	}
}
