package filters

import (
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/pasteserve/pasteserve/options"
	"github.com/pasteserve/pasteserve/request"
)

// ProxyHeadersOptions are the options of the http_proxy_to_wsgi filter,
// read from the section and then from oslo's [oslo_middleware] group.
type ProxyHeadersOptions struct {
	// EnableProxyHeadersParsing applies the proxy headers; off, as in
	// oslo, the filter passes every request on untouched, since anyone
	// can send the headers.
	EnableProxyHeadersParsing bool `paste:"enable_proxy_headers_parsing,group=oslo_middleware,doc=apply Forwarded and X-Forwarded-* (only behind a proxy that sets them)"`
	// TrustedProxies are the addresses and CIDRs ("10.0.0.0/8",
	// "192.0.2.9", "::1") of the proxies whose headers are believed;
	// empty believes every peer, as oslo does.
	TrustedProxies []string `paste:"trusted_proxies,group=oslo_middleware,doc=addresses and CIDRs of the proxies whose headers are believed (empty: every peer)"`
}

// Validate refuses a trusted proxy that is not an address or a CIDR.
func (o ProxyHeadersOptions) Validate() error {
	var errs []error
	for _, s := range o.TrustedProxies {
		if _, err := parsePrefix(s); err != nil {
			errs = append(errs, options.Errorf("trusted_proxies", "%q is not an IP address or CIDR", s))
		}
	}
	return errors.Join(errs...)
}

// NewProxyHeaders returns oslo.middleware's HTTPProxyToWSGI
// (egg:oslo.middleware#http_proxy_to_wsgi): behind a
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
func NewProxyHeaders(o ProxyHeadersOptions) (func(http.Handler) http.Handler, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if !o.EnableProxyHeadersParsing {
		return func(next http.Handler) http.Handler { return next }, nil
	}
	var trusted []netip.Prefix
	for _, s := range o.TrustedProxies {
		p, _ := parsePrefix(s)
		trusted = append(trusted, p)
	}
	return func(next http.Handler) http.Handler {
		return &proxyHeaders{trusted: trusted, next: next}
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

// proxyHeaders is the http_proxy_to_wsgi handler: a method rather than
// a closure, so that what it allocates per request is only what it
// keeps.
type proxyHeaders struct {
	trusted []netip.Prefix // empty: believe every peer, as oslo
	next    http.Handler
}

func (p *proxyHeaders) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r2, k := p.apply(r)
	if k != nil {
		defer k.done()
	}
	p.next.ServeHTTP(w, r2)
}

func (p *proxyHeaders) isTrusted(a netip.Addr) bool {
	for _, t := range p.trusted {
		if t.Contains(a) {
			return true
		}
	}
	return false
}

// header is h.Get(name) for a name already in canonical form, without
// Get's canonicalisation, which every request would pay for.
func header(h http.Header, name string) string {
	if v := h[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// proxied is what apply needs for a request whose headers change it:
// the copies of the Request and its URL, in one value. Over HTTP/1 in
// pasteserve's server the filter keeps it in the connection's
// request.ConnSlots (keptProxied), reused by each of the connection's
// requests (see identityState); elsewhere a request allocates one.
type proxied struct {
	req http.Request
	url url.URL
}

// keptProxied is the proxied the filter keeps in the connection's
// slots, and whether the connection's peer is a trusted proxy, which
// its RemoteAddr, the same for each of the connection's requests, need
// then not be read again to know. A proxied alone fits the 448-byte
// size class.
type keptProxied struct {
	proxied
	peer        string // the RemoteAddr trusted was decided for; "" for none yet
	peerTrusted bool
	keptState
}

// peerTrusted reports whether the peer at addr is one of p's trusted
// proxies, remembered in k (when not nil) for the connection's next
// requests.
func (p *proxyHeaders) peerTrusted(addr string, k *keptProxied) bool {
	if k != nil && k.peer != "" && k.peer == addr {
		return k.peerTrusted
	}
	a, ok := nodeIP(addr)
	trusted := ok && p.isTrusted(a)
	if k != nil {
		k.peer, k.peerTrusted = addr, trusted
	}
	return trusted
}

// of returns c, or when c is nil a copy of r, made in the proxied p
// keeps in r's connection slots (then *k) or in a new one.
func (c *proxied) of(p *proxyHeaders, r *http.Request, k **keptProxied) *proxied {
	if c == nil {
		if *k == nil {
			*k = claimKept[keptProxied](r, p)
		}
		if *k != nil {
			c = &(*k).proxied
		} else {
			c = new(proxied)
		}
		c.req = *r
		c.url = *r.URL
		c.req.URL = &c.url
	}
	return c
}

// done lets go of the request (the copy) and gives k back to its
// connection, once the request has gone through the filter.
func (k *keptProxied) done() {
	k.proxied = proxied{}
	k.release()
}

// apply returns r, or a copy of it with the proxy's headers applied,
// and the keptProxied the copy is in, if it is, whose done the caller
// calls when the copy has been served.
func (p *proxyHeaders) apply(r *http.Request) (*http.Request, *keptProxied) {
	h := r.Header
	fwd, xproto, xhost, xfor, xprefix := header(h, "Forwarded"), header(h, "X-Forwarded-Proto"), header(h, "X-Forwarded-Host"), header(h, "X-Forwarded-For"), header(h, "X-Forwarded-Prefix")
	if fwd == "" && xproto == "" && xhost == "" && xfor == "" && xprefix == "" {
		return r, nil
	}
	var k *keptProxied
	if len(p.trusted) > 0 {
		k = claimKept[keptProxied](r, p)
		if !p.peerTrusted(r.RemoteAddr, k) {
			if k != nil {
				k.release()
			}
			return r, nil
		}
	}
	var proto, host, client string
	if fwd != "" {
		e := p.pickForwarded(fwd)
		proto, host, client = e.proto, e.host, e.forAddr
	} else {
		proto, _, _ = strings.Cut(xproto, ",")
		host, _, _ = strings.Cut(xhost, ",")
		client = p.pickClient(xfor)
	}
	var c *proxied // the copy, once something changes
	if s, ok := validScheme(strings.TrimSpace(proto)); ok {
		c = c.of(p, r, &k)
		c.url.Scheme = s
	}
	if host = strings.TrimSpace(host); validHost(host) {
		c = c.of(p, r, &k)
		c.req.Host = host
	}
	if a, ok := nodeIP(client); ok {
		c = c.of(p, r, &k)
		c.req.RemoteAddr = addrString(strings.TrimSpace(client), a)
	}
	r2 := r
	if c != nil {
		r2 = &c.req
	}
	if prefix := strings.TrimRight(strings.TrimSpace(xprefix), "/"); prefix != "" {
		if prefix[0] != '/' {
			prefix = "/" + prefix
		}
		r2 = request.WithScriptName(r2, prefix+request.ScriptName(r2))
	}
	return r2, k
}

// nodeIP is parseNodeIP without the error values (an allocation each)
// that netip makes for the forms a string is not: parseNodeIP reads an
// address with a port first, which only "a.b.c.d:port" and
// "[v6]:port" can be, and then a bare address, what most entries of
// X-Forwarded-For are. The answer is parseNodeIP's.
func nodeIP(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	colon := strings.IndexByte(s, ':')
	if strings.HasPrefix(s, "[") && strings.Contains(s, "]:") || colon >= 0 && colon == strings.LastIndexByte(s, ':') {
		return parseNodeIP(s)
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	return a.Unmap(), err == nil
}

// addrString is a.String(), which s, the text nodeIP read a from,
// already is when it is a bare IPv4 address: netip reads an IPv4
// address only in the dotted decimal form it prints (no leading zeros,
// no zone), so s can be kept rather than a new string made per request.
// s is bare when it has no port and no brackets, which nodeIP then read
// with netip.ParseAddr as it is, so there is no need to read it again;
// an IPv4-mapped IPv6 address ("::ffff:192.0.2.1") has colons and is
// printed afresh.
func addrString(s string, a netip.Addr) string {
	if a.Is4() && !hasPortOrBrackets(s) {
		return s
	}
	return a.String()
}

// hasPortOrBrackets reports whether s has a ':', '[' or ']', byte by
// byte (strings.ContainsAny makes its set anew on each call).
func hasPortOrBrackets(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ':', '[', ']':
			return true
		}
	}
	return false
}

// pickForwarded chooses the element of a Forwarded header that
// describes the client: the first, as oslo does, or with trusted
// proxies the nearest whose "for" is not one of them. Elements are
// separated by commas and read in place.
func (p *proxyHeaders) pickForwarded(fwd string) forwardedElement {
	first, rest, _ := strings.Cut(fwd, ",")
	if len(p.trusted) > 0 {
		for rest != "" {
			var last string
			if i := strings.LastIndexByte(rest, ','); i >= 0 {
				rest, last = rest[:i], rest[i+1:]
			} else {
				rest, last = "", rest
			}
			e := parseForwardedElement(last)
			if a, ok := nodeIP(e.forAddr); !ok || !p.isTrusted(a) {
				return e
			}
		}
	}
	return parseForwardedElement(first)
}

// pickClient chooses the client address from X-Forwarded-For's
// comma-separated list, by the same rule.
func (p *proxyHeaders) pickClient(xfor string) string {
	first, rest, _ := strings.Cut(xfor, ",")
	if len(p.trusted) > 0 {
		for rest != "" {
			var last string
			if i := strings.LastIndexByte(rest, ','); i >= 0 {
				rest, last = rest[:i], rest[i+1:]
			} else {
				rest, last = "", rest
			}
			if a, ok := nodeIP(last); !ok || !p.isTrusted(a) {
				return last
			}
		}
	}
	return first
}
