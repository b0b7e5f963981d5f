// Package otlphttp sends OpenTelemetry spans to a collector over
// OTLP/HTTP (binary protobuf): the transport under OpenTelemetry's own
// span exporter, go.opentelemetry.io/otel/exporters/otlp/otlptrace,
// which turns the SDK's spans into OTLP's protobuf messages.
//
// OpenTelemetry's otlptracehttp does the same, but its request type
// lives in the collector's protobuf package next to the gRPC service
// stubs, so linking it links gRPC (google.golang.org/grpc and the
// grpc-gateway): 3.3 MB of binary and 2.1 MiB of idle RSS for a
// server that never speaks gRPC. The one message this package writes
// itself, ExportTraceServiceRequest, is a single repeated field of
// ResourceSpans (opentelemetry-proto's collector/trace/v1), so it is
// written with protowire around proto.Marshal of each ResourceSpans;
// the response's partial_success is read the same way.
//
// What otlptracehttp takes from the environment, this client takes
// too, for what its Options do not set: OTEL_EXPORTER_OTLP_TIMEOUT,
// _COMPRESSION (gzip or none), _CERTIFICATE, _CLIENT_CERTIFICATE and
// _CLIENT_KEY, each also as OTEL_EXPORTER_OTLP_TRACES_*, which wins.
// It retries as otlptracehttp does: a 429, 502, 503 or 504 (or a
// try that timed out) is tried again after a backoff that starts
// at 5 s and doubles to 30 s, or after the answer's Retry-After when
// that is longer, for at most a minute and never past the export's
// context.
package otlphttp

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// Options say where and how spans are sent.
type Options struct {
	// URL is the collector's traces URL, http or https, with its path
	// (OTLP's is /v1/traces).
	URL string
	// Headers are set on every export request (a credential, say).
	Headers map[string]string
	// Timeout bounds one export request; 0 takes
	// OTEL_EXPORTER_OTLP_TIMEOUT (milliseconds), else 10 s.
	Timeout time.Duration
	// Getenv reads the environment; nil is os.Getenv.
	Getenv func(string) string
}

// Client is an otlptrace.Client; hand it to otlptrace.New.
type Client struct {
	url        string
	headers    map[string]string
	gzip       bool
	http       *http.Client
	retryFirst time.Duration // the first backoff; then doubled
	retryMax   time.Duration // the longest backoff
	retryTotal time.Duration // how long an export is retried at most
}

var _ otlptrace.Client = (*Client)(nil)

// maxResponse bounds what is read of a collector's answer.
const maxResponse = 64 << 10

// New makes a Client of o and the environment: an error for an
// environment value it cannot use (a timeout that is no number, a
// compression it does not know, a certificate file it cannot read).
func New(o Options) (*Client, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	env := func(name string) (string, string) {
		if v := getenv("OTEL_EXPORTER_OTLP_TRACES_" + name); v != "" {
			return "OTEL_EXPORTER_OTLP_TRACES_" + name, v
		}
		return "OTEL_EXPORTER_OTLP_" + name, getenv("OTEL_EXPORTER_OTLP_" + name)
	}
	c := &Client{url: o.URL, headers: o.Headers, retryFirst: 5 * time.Second, retryMax: 30 * time.Second, retryTotal: time.Minute}

	timeout := o.Timeout
	if name, v := env("TIMEOUT"); timeout == 0 && v != "" {
		ms, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%s=%q: not a number of milliseconds", name, v)
		}
		timeout = time.Duration(ms) * time.Millisecond
	}
	if timeout == 0 {
		timeout = 10 * time.Second
	}

	switch name, v := env("COMPRESSION"); strings.ToLower(v) {
	case "", "none":
	case "gzip":
		c.gzip = true
	default:
		return nil, fmt.Errorf("%s=%q: gzip or none", name, v)
	}

	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	tlsConfig, err := tlsFromEnv(env)
	if err != nil {
		return nil, err
	}
	if tlsConfig != nil {
		transport.TLSClientConfig = tlsConfig
	}
	c.http = &http.Client{Transport: transport, Timeout: timeout}
	return c, nil
}

// tlsFromEnv is the TLS configuration the OTEL_EXPORTER_OTLP_*
// certificate variables give, or nil when none is set (the system's
// roots, no client certificate).
func tlsFromEnv(env func(string) (string, string)) (*tls.Config, error) {
	caName, ca := env("CERTIFICATE")
	certName, cert := env("CLIENT_CERTIFICATE")
	keyName, key := env("CLIENT_KEY")
	if ca == "" && cert == "" && key == "" {
		return nil, nil
	}
	config := &tls.Config{MinVersion: tls.VersionTLS12}
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", caName, err)
		}
		config.RootCAs = x509.NewCertPool()
		if !config.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s=%s: no PEM certificate in it", caName, ca)
		}
	}
	if (cert == "") != (key == "") {
		return nil, fmt.Errorf("%s and %s: set both or neither", certName, keyName)
	}
	if cert != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("%s, %s: %w", certName, keyName, err)
		}
		config.Certificates = []tls.Certificate{pair}
	}
	return config, nil
}

// Start does nothing: connections are made as exports need them.
func (c *Client) Start(context.Context) error { return nil }

// Stop closes the idle connections to the collector.
func (c *Client) Stop(context.Context) error {
	c.http.CloseIdleConnections()
	return nil
}

// UploadTraces posts one ExportTraceServiceRequest of spans, retrying
// as the package comment says until ctx is done.
func (c *Client) UploadTraces(ctx context.Context, spans []*tracepb.ResourceSpans) error {
	body, err := exportRequest(spans)
	if err != nil {
		return err
	}
	if c.gzip {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(body) // a bytes.Buffer does not fail
		zw.Close()
		body = b.Bytes()
	}
	deadline := time.Now().Add(c.retryTotal)
	backoff := c.retryFirst
	for {
		retryAfter, err := c.post(ctx, body)
		var again retryable
		if !errors.As(err, &again) {
			return err
		}
		// Jittered, as otlptracehttp's backoff is, so that a fleet's
		// exporters do not come back at once.
		wait := backoff/2 + rand.N(backoff/2+1)
		wait = max(wait, retryAfter)
		if time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("%w (not retried: the next try would come after the %s limit)", err, c.retryTotal)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (%w)", err, ctx.Err())
		case <-time.After(wait):
		}
		backoff = min(2*backoff, c.retryMax)
	}
}

// retryable is an export that may succeed if tried again.
type retryable struct{ error }

func (r retryable) Unwrap() error { return r.error }

// post sends body once: nil on a 2xx with no rejected span, a
// retryable error (and the answer's Retry-After) when it is worth
// trying again, else the error.
func (c *Client) post(ctx context.Context, body []byte) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("User-Agent", "pasteserve OTLP/HTTP exporter (otlptrace "+otlptrace.Version()+")")
	if c.gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// A try that timed out is tried again, as otlptracehttp does;
		// a refused connection is not, so that a stop with the
		// collector down is not held for the flush timeout.
		var netErr net.Error
		if ctx.Err() == nil && errors.As(err, &netErr) && netErr.Timeout() {
			return 0, retryable{err}
		}
		return 0, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return 0, retryable{fmt.Errorf("reading the collector's answer: %w", err)}
	}
	if resp.StatusCode/100 == 2 {
		return 0, partialSuccess(resp.Header.Get("Content-Type"), answer)
	}
	text := strings.TrimSpace(string(answer))
	if text == "" || !isText(resp.Header.Get("Content-Type")) {
		text = "(no text)"
	}
	err = fmt.Errorf("collector at %s answered %s: %s", req.URL.Redacted(), resp.Status, text)
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return retryAfter(resp.Header.Get("Retry-After")), retryable{err}
	}
	return 0, err
}

// isText says whether an error answer's body may be quoted: a
// protobuf Status is not text.
func isText(contentType string) bool {
	return contentType == "" || strings.HasPrefix(contentType, "text/") || strings.HasPrefix(contentType, "application/json")
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseUint(v, 10, 16); err == nil {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// exportRequest encodes ExportTraceServiceRequest{resource_spans:
// spans}: field 1, each element length-delimited.
func exportRequest(spans []*tracepb.ResourceSpans) ([]byte, error) {
	var b []byte
	for _, rs := range spans {
		m, err := proto.Marshal(rs)
		if err != nil {
			return nil, fmt.Errorf("encoding spans: %w", err)
		}
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, m)
	}
	return b, nil
}

// PartialSuccessError is a collector's answer that it took the
// export but rejected some spans, or had something to say about it.
type PartialSuccessError struct {
	RejectedSpans int64
	Message       string
}

func (e *PartialSuccessError) Error() string {
	return fmt.Sprintf("collector rejected %d spans: %s", e.RejectedSpans, e.Message)
}

// partialSuccess reads ExportTraceServiceResponse's partial_success
// (field 1: rejected_spans = 1, error_message = 2) from a 2xx answer
// in protobuf or OTLP's JSON; nil when it rejected nothing and said
// nothing.
func partialSuccess(contentType string, answer []byte) error {
	var ps PartialSuccessError
	switch {
	case len(answer) == 0:
		return nil
	case strings.HasPrefix(contentType, "application/json"):
		var r struct {
			PartialSuccess struct {
				RejectedSpans json.Number `json:"rejectedSpans"` // int64: a string in OTLP's JSON, a number from some
				ErrorMessage  string      `json:"errorMessage"`
			} `json:"partialSuccess"`
		}
		if err := json.Unmarshal(answer, &r); err != nil {
			return fmt.Errorf("the collector's answer: %w", err)
		}
		ps.Message = r.PartialSuccess.ErrorMessage
		if s := string(r.PartialSuccess.RejectedSpans); s != "" {
			n, err := strconv.ParseInt(strings.Trim(s, `"`), 10, 64)
			if err != nil {
				return fmt.Errorf("the collector's answer: rejectedSpans %q", s)
			}
			ps.RejectedSpans = n
		}
	case strings.HasPrefix(contentType, "application/x-protobuf"):
		inner, err := field(answer, 1, protowire.BytesType)
		if err != nil || inner == nil {
			return err
		}
		if v, err := field(inner, 1, protowire.VarintType); err != nil {
			return err
		} else if v != nil {
			n, _ := protowire.ConsumeVarint(v)
			ps.RejectedSpans = int64(n)
		}
		if v, err := field(inner, 2, protowire.BytesType); err != nil {
			return err
		} else {
			ps.Message = string(v)
		}
	default:
		return nil
	}
	if ps.RejectedSpans == 0 && ps.Message == "" {
		return nil
	}
	return &ps
}

// field returns the last value of field num in the protobuf message
// b (a varint's own bytes, or a length-delimited field's content), nil
// when absent; other fields are skipped.
func field(b []byte, num protowire.Number, typ protowire.Type) ([]byte, error) {
	var found []byte
	for len(b) > 0 {
		n, t, tagLen := protowire.ConsumeTag(b)
		if tagLen < 0 {
			return nil, fmt.Errorf("the collector's answer: %w", protowire.ParseError(tagLen))
		}
		valueLen := protowire.ConsumeFieldValue(n, t, b[tagLen:])
		if valueLen < 0 {
			return nil, fmt.Errorf("the collector's answer: %w", protowire.ParseError(valueLen))
		}
		value := b[tagLen : tagLen+valueLen]
		if n == num && t == typ {
			if typ == protowire.BytesType {
				value, _ = protowire.ConsumeBytes(value)
				if value == nil {
					value = []byte{}
				}
			}
			found = value
		}
		b = b[tagLen+valueLen:]
	}
	return found, nil
}
