package filters

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/pasteserve/pasteserve/options"
	"github.com/pasteserve/pasteserve/request"
)

// PrefixOptions are the options of the prefix filter, those of
// PasteDeploy's PrefixMiddleware.
type PrefixOptions struct {
	// Prefix is the path the app is served under; trailing slashes are
	// ignored, and "" or "/" is none.
	Prefix string `paste:"prefix,doc=the path the app is served under, moved from the URL path to the script name"`
	// TranslateForwardedServer applies (and removes) the X-Forwarded-Server,
	// -Host, -For, -Scheme and -Proto headers.
	TranslateForwardedServer bool `paste:"translate_forwarded_server,doc=apply and remove X-Forwarded-Server, -Host, -For, -Scheme and -Proto"`
	// ForcePort, when set, replaces the port of the Host: a port number,
	// or "" for none (the scheme's default). nil leaves the Host as it is.
	ForcePort *string `paste:"force_port,doc=the port the Host gets, or empty for the scheme's default; unset leaves the Host alone"`
	// Scheme, when set, is the scheme the app sees: http or https. nil
	// leaves it as the request (or X-Forwarded-Proto) says.
	Scheme *string `paste:"scheme,doc=http or https: the scheme the app sees; unset leaves it as the request says"`
}

// DefaultPrefixOptions are PasteDeploy's: prefix /, forwarded headers
// applied, port and scheme left alone.
func DefaultPrefixOptions() PrefixOptions {
	return PrefixOptions{Prefix: "/", TranslateForwardedServer: true}
}

// Validate refuses a prefix that is not a path, a ForcePort that is
// neither empty nor a port number, and a Scheme that is neither http nor
// https.
func (o PrefixOptions) Validate() error {
	var errs []error
	if prefix := strings.TrimRight(o.Prefix, "/"); prefix != "" && prefix[0] != '/' {
		errs = append(errs, options.Errorf("prefix", "%q does not start with /", prefix))
	}
	if o.ForcePort != nil {
		if p := strings.TrimSpace(*o.ForcePort); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n <= 0 || n > 65535 {
				errs = append(errs, options.Errorf("force_port", "%q is not a port number", p))
			}
		}
	}
	if o.Scheme != nil {
		if _, ok := validScheme(strings.TrimSpace(*o.Scheme)); !ok {
			errs = append(errs, options.Errorf("scheme", "%q is neither http nor https", *o.Scheme))
		}
	}
	return errors.Join(errs...)
}

// NewPrefix returns PasteDeploy's PrefixMiddleware
// (egg:PasteDeploy#prefix), for an app served under a path of a proxy:
// the prefix moves from the URL path to the script name, whether or not
// the proxy stripped it, so the app builds links under it; and the
// proxy's X-Forwarded-Server, -Host, -For, -Scheme and -Proto headers are
// applied and, as Paste does, removed from the request
// (TranslateForwardedServer).
//
// Unlike Paste, the prefix is matched on a segment boundary: with prefix
// /app, /application is not /app + lication. The prefix is appended to
// the script name (request.Mount), where Paste replaces it; the same at
// the top of a file, which is where the filter is used.
//
// It believes the forwarded headers of every peer: use it only behind a
// proxy that sets them, or set translate_forwarded_server = false and
// put http_proxy_to_wsgi with trusted_proxies in front.
func NewPrefix(o PrefixOptions) (func(http.Handler) http.Handler, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	prefix := strings.TrimRight(o.Prefix, "/")
	translate := o.TranslateForwardedServer
	forcing, forcePort := o.ForcePort != nil, ""
	if forcing {
		forcePort = strings.TrimSpace(*o.ForcePort)
	}
	hasScheme, scheme := o.Scheme != nil, ""
	if hasScheme {
		scheme, _ = validScheme(strings.TrimSpace(*o.Scheme))
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
