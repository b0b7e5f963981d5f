// Package apps holds pasteserve's built-in apps and composites as plain
// Go: each file has an options struct and a constructor that returns the
// http.Handler (NewURLMap, NewStatic, NewProxy...), usable with no paste
// file and no registry. A composite's constructor takes its children as
// handlers the caller built. Package builtin registers their paste sides
// in factory.Default under their Go names and the Python references they
// replace; this package registers nothing.
package apps

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/pasteserve/pasteserve/options"
	"github.com/pasteserve/pasteserve/request"
)

// URLMapOptions are a urlmap's routes: the apps it mounts, and the one
// that answers what none of them matches.
type URLMapOptions struct {
	// Routes maps each key to the app mounted there. A key is Paste's
	// "[domain D] [port P] /path" (or "http://host/path"): "/v2.0",
	// "domain admin.example.com /v2.0", "domain example.com port 8080 /".
	// Paths are normalised (runs of '/' collapse, a trailing '/' goes),
	// so "/" is the root, a catch-all.
	Routes map[string]http.Handler
	// Order, when set, is the keys of Routes in the order they were
	// written, as a paste file writes them: of two keys that name the
	// same route ("/foo" and "/foo/"), the later one wins, as in Paste.
	// Two such keys that Order does not both list are an error. Keys of
	// Routes it leaves out come after it, by name.
	Order []string
	// NotFound answers requests that no route matches: a plain 404 when
	// nil (Paste's not_found_app).
	NotFound http.Handler
}

// Validate checks every key of Routes (each error names its key) and
// that every route has an app.
func (o URLMapOptions) Validate() error {
	_, err := urlmapFlavor{}.entries(o)
	return err
}

// NewURLMap returns Paste's urlmap (egg:Paste#urlmap): it routes each
// request to one of o.Routes by path prefix, and optionally by host and
// port, with the semantics of Paste's urlmap.
//
// Entries with a domain are tried first, sorted by domain, then those
// without; within each, the longest path first. The request's host is
// lower-cased (a key's domain is not, as in Paste), and matches a
// domain written as host or as host:port (the port from the Host
// header, else 80, or 443 over TLS). The request path, with runs of '/'
// collapsed, matches an entry's path when it equals it or continues it
// after a '/': "/foo" matches /foo and /foo/x, never /foox.
//
// The matched prefix moves from the request's URL path to its script
// name (request.Mount: one allocation, or none over HTTP/1 in
// pasteserve's server, which gives urlmap room for it in the
// connection's slots), as WSGI moves it from PATH_INFO
// to SCRIPT_NAME: the app at "/v2.0" sees URL.Path "/networks" and
// request.ScriptName "/v2.0" for a request to /v2.0/networks.
func NewURLMap(o URLMapOptions) (http.Handler, error) {
	return urlmapFlavor{}.build(o)
}

// mapping is one urlmap entry.
type mapping struct {
	domain string // "" for any host; "host" or "host:port"
	path   string // normalised: no trailing '/', "" for the root
	prefix string // path + "/", so that matching allocates nothing
	// wildcard: the key was "path/+" (nova's urlmap): the request path
	// must continue path with '/' and at least one more character.
	wildcard bool
	h        http.Handler
}

// sortLen is the length the entry sorts by: its key's path, "/+"
// included, as the Python urlmaps sort.
func (e mapping) sortLen() int {
	if e.wildcard {
		return len(e.path) + 2
	}
	return len(e.path)
}

// match reports whether path (with runs of '/' collapsed) is e's.
func (e mapping) match(path string) bool {
	if e.wildcard {
		return len(path) > len(e.prefix) && strings.HasPrefix(path, e.prefix)
	}
	return path == e.path || strings.HasPrefix(path, e.prefix)
}

type urlMap struct {
	entries  []mapping
	notFound http.Handler
	flavor   urlmapFlavor
}

// urlmapFlavor is what a project's copy of Paste's urlmap adds to it.
type urlmapFlavor struct {
	// wildcards: a key ending in "/+" matches only paths that go on
	// past its '/' (nova's urlmap, /v2.1/+).
	wildcards bool
	// mediaTypeVersion: a request whose path only matches the root entry
	// (or nothing) is routed by the version parameter of its
	// Content-Type, else of its best Accept type ("application/json;
	// version=2.1" goes to /v2.1), the path left as it is (nova's
	// urlmap).
	mediaTypeVersion bool
}

var slashes = regexp.MustCompile(`//+`)

// normalisePath collapses runs of '/' and strips a trailing '/', so "/"
// is the root "".
func normalisePath(p string) string {
	return strings.TrimRight(slashes.ReplaceAllString(p, "/"), "/")
}

// parseKey reads "[domain D] [port P] /path" as Paste's
// parse_path_expression does.
func parseKey(key string) (domain, path string, err error) {
	parts := strings.Fields(key)
	var port string
	for len(parts) > 0 {
		switch tok := parts[0]; tok {
		case "domain":
			if len(parts) < 2 {
				return "", "", fmt.Errorf("'domain' must be followed by a domain name")
			}
			if domain != "" {
				return "", "", fmt.Errorf("'domain' given twice")
			}
			domain, parts = parts[1], parts[2:]
		case "port":
			if len(parts) < 2 {
				return "", "", fmt.Errorf("'port' must be followed by a port number")
			}
			if port != "" {
				return "", "", fmt.Errorf("'port' given twice")
			}
			port, parts = parts[1], parts[2:]
		default:
			if path != "" {
				return "", "", fmt.Errorf("more than one path given (have %q, got %q)", path, tok)
			}
			path, parts = tok, parts[1:]
		}
	}
	if port != "" {
		if domain == "" {
			return "", "", fmt.Errorf("if you give a port, you must also give a domain")
		}
		domain += ":" + port
	}
	if strings.HasPrefix(path, "http://") {
		rest := strings.TrimPrefix(path, "http://")
		host, p, _ := strings.Cut(rest, "/")
		domain, path = host, "/"+p
	}
	if !strings.HasPrefix(path, "/") {
		return "", "", fmt.Errorf("a urlmap key is a path starting with / (optionally after domain NAME and port N), not %q", key)
	}
	return domain, normalisePath(path), nil
}

// routeKeys returns o's keys in the order they take effect: Order, then
// the keys it leaves out by name, and whether each was in Order.
func (o URLMapOptions) routeKeys() (keys []string, ordered map[string]bool) {
	ordered = map[string]bool{}
	for _, k := range o.Order {
		if _, ok := o.Routes[k]; ok && !ordered[k] {
			ordered[k] = true
			keys = append(keys, k)
		}
	}
	var rest []string
	for k := range o.Routes {
		if !ordered[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(keys, rest...), ordered
}

// entries reads o's routes into the map's entries, unsorted, reporting
// every bad key at once.
func (f urlmapFlavor) entries(o URLMapOptions) ([]mapping, error) {
	var (
		entries []mapping
		errs    []error
	)
	keys, ordered := o.routeKeys()
	byKey := map[[2]string]int{}
	first := map[[2]string]string{}
	for _, k := range keys {
		h := o.Routes[k]
		domain, path, err := parseKey(k)
		if err != nil {
			errs = append(errs, options.Errorf(k, "%v", err))
			continue
		}
		if h == nil {
			errs = append(errs, options.Errorf(k, "has no app (a nil http.Handler)"))
			continue
		}
		wildcard := false
		if f.wildcards && strings.HasSuffix(path, "/+") {
			path, wildcard = path[:len(path)-2], true
		}
		id := [2]string{domain, path}
		if wildcard {
			id[1] += "/+"
		}
		if i, ok := byKey[id]; ok {
			if !ordered[k] || !ordered[first[id]] {
				errs = append(errs, options.Errorf(k, "names the same route as %q (give Order to say which wins)", first[id]))
				continue
			}
			entries[i].h = h
			continue
		}
		byKey[id], first[id] = len(entries), k
		entries = append(entries, mapping{domain: domain, path: path, prefix: path + "/", wildcard: wildcard, h: h})
	}
	return entries, errors.Join(errs...)
}

func (f urlmapFlavor) build(o URLMapOptions) (http.Handler, error) {
	entries, err := f.entries(o)
	if err != nil {
		return nil, err
	}
	m := &urlMap{entries: entries, notFound: o.NotFound, flavor: f}
	if m.notFound == nil {
		m.notFound = http.NotFoundHandler()
	}
	sort.SliceStable(m.entries, func(i, j int) bool {
		a, b := m.entries[i], m.entries[j]
		if (a.domain == "") != (b.domain == "") {
			return a.domain != ""
		}
		if a.domain != b.domain {
			return a.domain < b.domain
		}
		return a.sortLen() > b.sortLen()
	})
	return m, nil
}

func (m *urlMap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if strings.Contains(path, "//") {
		path = slashes.ReplaceAllString(path, "/")
	}
	e := m.match(r, path)
	if m.flavor.mediaTypeVersion && (e == nil || e.path == "") {
		for _, v := range mediaTypeVersions(r, path == "/") {
			if ve := m.match(r, "/v"+v); ve != nil {
				// The version's app, at its mount point; the path is
				// not shortened, as nova's _set_script_name.
				m.serve(w, r, ve.h, ve.path, path)
				return
			}
		}
	}
	if e != nil {
		m.serve(w, r, e.h, e.path, path[len(e.path):])
		return
	}
	m.notFound.ServeHTTP(w, r)
}

// serve serves r to h mounted at prefix, with rest as its path
// (request.Mount). Over HTTP/1 in pasteserve's server the copy is made
// in the Mounting m keeps in the connection's request.ConnSlots, reused
// by each of the connection's requests, so that routing allocates
// nothing; elsewhere (HTTP/2, a Go program's own server), and for a
// request that passes m again while it is still routing one, Mount
// allocates it.
func (m *urlMap) serve(w http.ResponseWriter, r *http.Request, h http.Handler, prefix, rest string) {
	if k := m.claim(r); k != nil {
		defer k.release()
		h.ServeHTTP(w, k.Mount(r, prefix, rest))
		return
	}
	h.ServeHTTP(w, request.Mount(r, prefix, rest))
}

// keptMounting is the request.Mounting a urlmap keeps in a
// connection's slots, and whether a request is using it.
type keptMounting struct {
	request.Mounting
	busy atomic.Bool
}

// claim returns m's keptMounting in r's connection slots, taken for r,
// or nil when r has no slots or it is taken.
func (m *urlMap) claim(r *http.Request) *keptMounting {
	slots := request.ConnSlotsOf(r.Context())
	if slots == nil {
		return nil
	}
	k, _ := slots.Get(m).(*keptMounting)
	if k == nil {
		k = new(keptMounting)
		slots.Put(m, k)
	}
	if !k.busy.CompareAndSwap(false, true) {
		return nil
	}
	return k
}

// release lets go of the request and gives k back to its connection.
func (k *keptMounting) release() {
	k.Release()
	k.busy.Store(false)
}

// match returns the first entry, in the map's order, for r's host and
// path, or nil.
func (m *urlMap) match(r *http.Request, path string) *mapping {
	var host, hostPort string // worked out only if an entry has a domain
	for i := range m.entries {
		e := &m.entries[i]
		if e.domain != "" {
			if host == "" {
				host, hostPort = requestHost(r)
			}
			if e.domain != host && e.domain != hostPort {
				continue
			}
		}
		if e.match(path) {
			return e
		}
	}
	return nil
}

// requestHost returns the lower-cased host of r and host:port, the port
// from the Host header, else the scheme's default.
func requestHost(r *http.Request) (host, hostPort string) {
	host = strings.ToLower(r.Host)
	port := "80"
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host, port = host[:i], host[i+1:]
	} else if r.TLS != nil {
		port = "443"
	}
	return host, host + ":" + port
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
