package apps

import (
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"net/url"
	"strings"

	"github.com/pasteserve/pasteserve/filters"
	"github.com/pasteserve/pasteserve/loader"
	"github.com/pasteserve/pasteserve/redact"
	"github.com/rs/zerolog"
)

// proxy is Paste's proxy app (egg:Paste#proxy), on
// httputil.ReverseProxy: it forwards every request to address, the
// request's path (what is left after urlmap's prefix) appended to the
// address's path.
//
// The upstream gets the request id: X-OpenStack-Request-ID carries the
// request's global id, or its local id when it has none, which is how
// OpenStack services pass ids on so the upstream logs them as the global
// id. X-Forwarded-For, -Host and -Proto are set from the request (Paste
// sets none). Hop-by-hop headers are dropped, as the standard library
// does. An unreachable upstream is a 502 JSON fault, logged.
func init() {
	loader.Register(loader.Factory{
		Name:    "proxy",
		Aliases: []string{"egg:Paste#proxy"},
		Kind:    loader.KindApp,
		Doc:     "forwards requests to address with httputil.ReverseProxy (Paste's proxy), request id included",
		App:     newProxy,
	})
}

func newProxy(cfg *loader.Config) (http.Handler, error) {
	raw := cfg.String("address", "")
	target, err := url.Parse(raw)
	if raw == "" {
		cfg.Errorf("address", "is required: the URL to forward to")
	} else if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		cfg.Errorf("address", "%q is not an http:// or https:// URL", raw)
	}
	allowed := map[string]bool{}
	for _, m := range cfg.List("allowed_request_methods") {
		allowed[strings.ToUpper(m)] = true
	}
	var suppress []string
	for _, h := range cfg.List("suppress_http_headers") {
		suppress = append(suppress, textproto.CanonicalMIMEHeaderKey(h))
	}
	if err := cfg.Err(); err != nil {
		return nil, err
	}
	upstream := redact.URL(target.String()) // for the log: no password, no ?token=
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.SetXForwarded()
			if s := filters.Scheme(pr.In); s != "" {
				pr.Out.Header.Set("X-Forwarded-Proto", s)
			}
			ctx := pr.In.Context()
			if id := filters.GlobalRequestID(ctx); id != "" {
				pr.Out.Header.Set(filters.RequestIDHeader, id)
			} else if id := filters.RequestID(ctx); id != "" {
				pr.Out.Header.Set(filters.RequestIDHeader, id)
			} else {
				pr.Out.Header.Del(filters.RequestIDHeader)
			}
			for _, h := range suppress {
				pr.Out.Header.Del(h)
			}
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			zerolog.Ctx(r.Context()).Error().Err(err).Str("upstream", upstream).Msg("proxy: upstream failed")
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
		rp.ServeHTTP(w, r)
	}), nil
}
