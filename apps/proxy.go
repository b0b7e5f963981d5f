package apps

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"net/url"
	"strings"
	"sync"

	"github.com/pasteserve/pasteserve/options"
	"github.com/pasteserve/pasteserve/redact"
	"github.com/pasteserve/pasteserve/reqlog"
	"github.com/pasteserve/pasteserve/request"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// ProxyOptions are the options of the proxy app, Paste's.
type ProxyOptions struct {
	// Address is the upstream: an http:// or https:// URL, optionally
	// with a path, which the request's path is appended to.
	Address string `paste:"address,doc=the upstream, http:// or https://, optionally with a path (required)"`
	// AllowedRequestMethods, when not empty, are the only methods
	// forwarded (in any case); others get 400 "Disallowed", as in Paste.
	AllowedRequestMethods []string `paste:"allowed_request_methods,doc=methods forwarded (default all); others get 400 Disallowed"`
	// SuppressHTTPHeaders are request headers not forwarded.
	SuppressHTTPHeaders []string `paste:"suppress_http_headers,doc=request headers not forwarded"`
}

// Validate requires Address, an http:// or https:// URL with a host.
func (o ProxyOptions) Validate() error {
	if o.Address == "" {
		return options.Errorf("address", "is required: the URL to forward to")
	}
	if target, err := url.Parse(o.Address); err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return options.Errorf("address", "%q is not an http:// or https:// URL", o.Address)
	}
	return nil
}

// NewProxy returns Paste's proxy app (egg:Paste#proxy), on
// httputil.ReverseProxy: it forwards every request to o.Address, the
// request's path (what is left after urlmap's prefix) appended to the
// address's path.
//
// The upstream gets the request id: X-OpenStack-Request-ID carries the
// request's global id, or its local id when it has none, which is how
// OpenStack services pass ids on so the upstream logs them as the global
// id. X-Forwarded-For, -Host and -Proto are set from the request (Paste
// sets none). When the request's context has an OpenTelemetry span
// (pasteserve's server traces, or a Go program's otelhttp), the
// upstream's traceparent and tracestate are that span's; without one
// they are the client's. Hop-by-hop headers are dropped, as the
// standard library does.
//
// An upstream that cannot be reached is a 502 JSON fault, logged as an
// error on the request's logger (reqlog.From: standard error when the
// request carries none). A request that fails because of the client is
// not the upstream's fault and is told apart: a request body that cannot
// be read (a bad chunk, a body shorter than its Content-Length) is a 400
// fault, and a client that goes away before the upstream answers is
// logged with nginx's 499; both are logged at info level, so clients
// cannot fill the error log.
func NewProxy(o ProxyOptions) (http.Handler, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	target, _ := url.Parse(o.Address)
	allowed := map[string]bool{}
	for _, m := range o.AllowedRequestMethods {
		allowed[strings.ToUpper(m)] = true
	}
	var suppress []string
	for _, h := range o.SuppressHTTPHeaders {
		suppress = append(suppress, textproto.CanonicalMIMEHeaderKey(h))
	}
	upstream := redact.URL(target.String()) // for the log: no password, no ?token=
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.SetXForwarded()
			if s := request.Scheme(pr.In); s != "" {
				pr.Out.Header.Set("X-Forwarded-Proto", s)
			}
			ctx := pr.In.Context()
			if id := request.GlobalID(ctx); id != "" {
				pr.Out.Header.Set(request.IDHeader, id)
			} else if id := request.ID(ctx); id != "" {
				pr.Out.Header.Set(request.IDHeader, id)
			} else {
				pr.Out.Header.Del(request.IDHeader)
			}
			for _, h := range suppress {
				pr.Out.Header.Del(h)
			}
			propagateTrace(ctx, pr.Out.Header)
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			log := reqlog.From(r.Context())
			// r is the outgoing request, whose Body wraps the
			// clientBody; its context is the incoming one's.
			if body, ok := r.Context().Value(clientBodyKey{}).(*clientBody); ok && body.readErr() != nil {
				log.Info().Err(body.readErr()).Str("upstream", upstream).Msg("proxy: the client's request body could not be read")
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				w.Write([]byte(`{"code": "400 Bad Request", "title": "Bad Request", "message": "The request body could not be read."}`))
				return
			}
			if ctxErr := r.Context().Err(); ctxErr != nil && errors.Is(err, ctxErr) {
				log.Info().Err(err).Str("upstream", upstream).Msg("proxy: the client went away before the upstream answered")
				// Nobody reads this answer; its status is for the access
				// log, nginx's "client closed request".
				w.WriteHeader(statusClientClosedRequest)
				return
			}
			log.Error().Err(err).Str("upstream", upstream).Msg("proxy: upstream failed")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte(`{"code": "502 Bad Gateway", "title": "Bad Gateway", "message": "The upstream server could not be reached."}`))
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(allowed) > 0 && !allowed[r.Method] {
			http.Error(w, "Disallowed", http.StatusBadRequest) // Paste answers 400
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			// The transport reads the body on its own goroutine, and
			// reports a failure to read it as a failure of the round
			// trip: clientBody keeps the read error so that the error
			// handler can tell the client's fault from the upstream's.
			body := &clientBody{ReadCloser: r.Body}
			r = r.WithContext(context.WithValue(r.Context(), clientBodyKey{}, body))
			r.Body = body
		}
		rp.ServeHTTP(w, r)
	}), nil
}

// statusClientClosedRequest is nginx's 499, logged for a request whose
// client went away before it was answered.
const statusClientClosedRequest = 499

type clientBodyKey struct{}

// clientBody is a request body that remembers the first error, other
// than io.EOF, that reading it returned.
type clientBody struct {
	io.ReadCloser
	mu  sync.Mutex
	err error
}

func (b *clientBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		b.mu.Lock()
		if b.err == nil {
			b.err = err
		}
		b.mu.Unlock()
	}
	return n, err
}

func (b *clientBody) readErr() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// propagateTrace writes the trace context of ctx's span, when it has
// one (the server traces: docs/tracing.md), as the W3C traceparent and
// tracestate of the upstream request, so that the upstream's spans
// join the trace as children of the span that proxied them. Without a
// span (tracing off) the headers are left as the client sent them, and
// nothing is allocated.
func propagateTrace(ctx context.Context, h http.Header) {
	if trace.SpanContextFromContext(ctx).IsValid() {
		// Inject writes a tracestate only when the span has one: the
		// client's, of a traceparent that did not parse (a new trace)
		// or malformed itself, must not go on with the new one.
		delete(h, "Tracestate")
		propagation.TraceContext{}.Inject(ctx, propagation.HeaderCarrier(h))
	}
}
