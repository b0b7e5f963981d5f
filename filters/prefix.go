package filters

import (
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/request"
)

// Prefix is the prefix factory. Options: prefix (default /),
// translate_forwarded_server (default true), force_port (a port, or
// empty for the scheme's default), scheme (http or https).
//
// prefix is PasteDeploy's PrefixMiddleware (egg:PasteDeploy#prefix), for
// an app served under a path of a proxy: the prefix moves from the URL
// path to the script name, whether or not the proxy stripped it, so the
// app builds links under it; and the proxy's X-Forwarded-Server, -Host,
// -For, -Scheme and -Proto headers are applied and, as Paste does,
// removed from the request (translate_forwarded_server).
//
// Unlike Paste, the prefix is matched on a segment boundary: with prefix
// /app, /application is not /app + lication. The prefix is appended to
// the script name (request.Mount), where Paste replaces it; the same at
// the top of a file, which is where the filter is used.
//
// It believes the forwarded headers of every peer: use it only behind a
// proxy that sets them, or set translate_forwarded_server = false and
// put http_proxy_to_wsgi with trusted_proxies in front.
func Prefix(cfg *factory.Config) (factory.Middleware, error) {
	prefix := strings.TrimRight(cfg.String("prefix", "/"), "/")
	if prefix != "" && prefix[0] != '/' {
		cfg.Errorf("prefix", "%q does not start with /", prefix)
	}
	translate := cfg.Bool("translate_forwarded_server", true)
	forcePort, forcing := cfg.Get("force_port")
	forcePort = strings.TrimSpace(forcePort)
	if forcing && forcePort != "" {
		if n, err := strconv.Atoi(forcePort); err != nil || n <= 0 || n > 65535 {
			cfg.Errorf("force_port", "%q is not a port number", forcePort)
		}
	}
	rawScheme, hasScheme := cfg.Get("scheme")
	scheme, ok := validScheme(strings.TrimSpace(rawScheme))
	if hasScheme && !ok {
		cfg.Errorf("scheme", "%q is neither http nor https", rawScheme)
	}
	if err := cfg.Err(); err != nil {
		return nil, err
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rest := r.URL.Path
			if rest == prefix || strings.HasPrefix(rest, prefix+"/") {
				rest = rest[len(prefix):]
			}
			if rest == "" {
				rest = "/"
			}
			r2 := request.Mount(r, prefix, rest)
			if translate {
				// Each header applied is removed, as Paste pops it from
				// the environ: the app sees the result, not the
				// instruction (and a filter further in does not apply
				// it again).
				h := r.Header
				if v := h.Get("X-Forwarded-Server"); v != "" {
					r2.Host = firstItem(v)
					h.Del("X-Forwarded-Server")
				}
				if v := h.Get("X-Forwarded-Host"); v != "" {
					r2.Host = firstItem(v)
					h.Del("X-Forwarded-Host")
				}
				if v := h.Get("X-Forwarded-For"); v != "" {
					if a, ok := parseNodeIP(firstItem(v)); ok {
						r2.RemoteAddr = a.String()
					}
					h.Del("X-Forwarded-For")
				}
				proto := h.Get("X-Forwarded-Scheme")
				if proto != "" {
					h.Del("X-Forwarded-Scheme")
				} else if proto = h.Get("X-Forwarded-Proto"); proto != "" {
					h.Del("X-Forwarded-Proto")
				}
				if s, ok := validScheme(strings.TrimSpace(proto)); ok {
					r2.URL.Scheme = s
				}
			}
			if hasScheme {
				r2.URL.Scheme = scheme
			}
			if forcing {
				host := r2.Host
				if h, _, err := net.SplitHostPort(host); err == nil {
					host = h
					if strings.Contains(host, ":") {
						host = "[" + host + "]"
					}
				}
				if forcePort != "" {
					host += ":" + forcePort
				}
				r2.Host = host
			}
			next.ServeHTTP(w, r2)
		})
	}, nil
}

func firstItem(s string) string {
	first, _, _ := strings.Cut(s, ",")
	return strings.TrimSpace(first)
}
