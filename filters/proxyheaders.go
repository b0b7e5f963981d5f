package filters

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/request"
)

// ProxyHeaders is the http_proxy_to_wsgi factory.
//
// http_proxy_to_wsgi is oslo.middleware's HTTPProxyToWSGI: behind a
// TLS-terminating proxy, an application must build its links from what
// the client used (https://api.example.com/network/v2.0), not from what
// the proxy sent on (http://10.0.0.5:9696/v2.0). The proxy says what the
// client used in headers, which this filter applies:
//
//   - Forwarded (RFC 7239): proto, host and for; when present, the
//     X-Forwarded-* headers below are not read, as in oslo;
//   - X-Forwarded-Proto, X-Forwarded-Host, X-Forwarded-For;
//   - X-Forwarded-Prefix, put in front of the script name, so links get
//     the path the proxy mounted the service at.
//
// After it, Scheme(r) and r.URL.Scheme are the client's scheme, r.Host
// its host, r.RemoteAddr its address (a bare IP, as chi's RealIP sets
// it), request.ScriptName(r) starts with the prefix, and ApplicationURL(r)
// is the URL to build links from.
//
// Headers that anyone can send must only be believed when a proxy set
// them. As in oslo, nothing is applied unless enable_proxy_headers_parsing
// is true. pasteserve adds trusted_proxies, a list of addresses and
// CIDRs: when set, headers are applied only on connections from those
// peers, and the client is the nearest address in the chain that is not
// a trusted proxy (so a client cannot pose as another by sending its own
// X-Forwarded-For). Without it every peer is believed, as in oslo, and
// the first (left-most) entry is used. (oslo copies the whole
// X-Forwarded-For, or Forwarded's "for" as written, into REMOTE_ADDR;
// r.RemoteAddr is always one bare address.)
func ProxyHeaders(cfg *factory.Config) (factory.Middleware, error) {
	cfg = cfg.InGroup("oslo_middleware")
	enabled := cfg.Bool("enable_proxy_headers_parsing", false)
	var trusted []netip.Prefix
	for _, s := range cfg.List("trusted_proxies") {
		p, err := parsePrefix(s)
		if err != nil {
			cfg.Errorf("trusted_proxies", "%q is not an IP address or CIDR", s)
			continue
		}
		trusted = append(trusted, p)
	}
	if err := cfg.Err(); err != nil {
		return nil, err
	}
	if !enabled {
		return func(next http.Handler) http.Handler { return next }, nil
	}
	p := &proxyHeaders{trusted: trusted}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, p.apply(r))
		})
	}, nil
}

// parsePrefix reads a CIDR or a single address (as a /32 or /128).
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

type proxyHeaders struct {
	trusted []netip.Prefix // empty: believe every peer, as oslo
}

func (p *proxyHeaders) isTrusted(a netip.Addr) bool {
	for _, t := range p.trusted {
		if t.Contains(a) {
			return true
		}
	}
	return false
}

// apply returns r, or a copy of it with the proxy's headers applied.
func (p *proxyHeaders) apply(r *http.Request) *http.Request {
	h := r.Header
	fwd, xproto, xhost, xfor, xprefix := h.Get("Forwarded"), h.Get("X-Forwarded-Proto"), h.Get("X-Forwarded-Host"), h.Get("X-Forwarded-For"), h.Get("X-Forwarded-Prefix")
	if fwd == "" && xproto == "" && xhost == "" && xfor == "" && xprefix == "" {
		return r
	}
	if len(p.trusted) > 0 {
		peer, ok := parseNodeIP(r.RemoteAddr)
		if !ok || !p.isTrusted(peer) {
			return r
		}
	}
	var proto, host, client string
	if fwd != "" {
		e := p.pickForwarded(parseForwarded(fwd))
		proto, host, client = e.proto, e.host, e.forAddr
	} else {
		proto, _, _ = strings.Cut(xproto, ",")
		host, _, _ = strings.Cut(xhost, ",")
		client = p.pickClient(strings.Split(xfor, ","))
	}
	r2 := r
	copied := func() {
		if r2 == r {
			r2 = new(http.Request)
			*r2 = *r
			u := *r.URL
			r2.URL = &u
		}
	}
	if s, ok := validScheme(strings.TrimSpace(proto)); ok {
		copied()
		r2.URL.Scheme = s
	}
	if host = strings.TrimSpace(host); validHost(host) {
		copied()
		r2.Host = host
	}
	if a, ok := parseNodeIP(client); ok {
		copied()
		r2.RemoteAddr = a.String()
	}
	if prefix := strings.TrimRight(strings.TrimSpace(xprefix), "/"); prefix != "" {
		if prefix[0] != '/' {
			prefix = "/" + prefix
		}
		r2 = request.WithScriptName(r2, prefix+request.ScriptName(r2))
	}
	return r2
}

// pickForwarded chooses the element that describes the client: the
// first, as oslo does, or with trusted proxies the nearest whose "for"
// is not one of them.
func (p *proxyHeaders) pickForwarded(elems []forwardedElement) forwardedElement {
	if len(p.trusted) == 0 {
		return elems[0]
	}
	for i := len(elems) - 1; i > 0; i-- {
		if a, ok := parseNodeIP(elems[i].forAddr); !ok || !p.isTrusted(a) {
			return elems[i]
		}
	}
	return elems[0]
}

// pickClient chooses the client address from X-Forwarded-For's list, by
// the same rule.
func (p *proxyHeaders) pickClient(addrs []string) string {
	if len(p.trusted) == 0 {
		return addrs[0]
	}
	for i := len(addrs) - 1; i > 0; i-- {
		if a, ok := parseNodeIP(addrs[i]); !ok || !p.isTrusted(a) {
			return addrs[i]
		}
	}
	return addrs[0]
}
