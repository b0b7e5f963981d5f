// Package apps holds pasteserve's built-in app and composite factories,
// each registered under a Go name and the Python references it replaces.
package apps

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/request"
)

// URLMapChildren names the apps a urlmap section mounts: every local key
// except not_found_app, which comes from the local or the global
// configuration.
func URLMapChildren(cfg *factory.Config) map[string]string {
	kids := map[string]string{}
	for k, v := range cfg.Local {
		kids[k] = v
	}
	if _, ok := kids["not_found_app"]; !ok {
		if v, ok := cfg.Global["not_found_app"]; ok {
			kids["not_found_app"] = v
		}
	}
	return kids
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
	// dropKeys are keys ignored, with a warning, as cinder's
	// root_app_factory ignores the /v1 and /v2 of old paste files.
	dropKeys []string
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

// URLMap is the urlmap factory; URLMapChildren names its apps.
func URLMap(l factory.Loader, cfg *factory.Config) (http.Handler, error) {
	return urlmapFlavor{}.build(l, cfg)
}

func (f urlmapFlavor) build(l factory.Loader, cfg *factory.Config) (http.Handler, error) {
	m := &urlMap{notFound: http.NotFoundHandler(), flavor: f}
	kids := f.childrenOf(cfg, true)
	keys := make([]string, 0, len(kids))
	for k := range kids {
		keys = append(keys, k)
	}
	// File order, so that of two keys that normalise the same (/foo and
	// /foo/) the later one wins, as in Paste.
	sort.Slice(keys, func(i, j int) bool { return cfg.Pos(keys[i]).Before(cfg.Pos(keys[j])) })
	byKey := map[[2]string]int{}
	for _, k := range keys {
		h, err := l.GetApp(kids[k])
		if err != nil {
			return nil, err
		}
		if k == "not_found_app" {
			m.notFound = h
			continue
		}
		domain, path, err := parseKey(k)
		if err != nil {
			cfg.Errorf(k, "%v", err)
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
			m.entries[i].h = h
			continue
		}
		byKey[id] = len(m.entries)
		m.entries = append(m.entries, mapping{domain: domain, path: path, prefix: path + "/", wildcard: wildcard, h: h})
	}
	if err := cfg.Err(); err != nil {
		return nil, err
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
				ve.h.ServeHTTP(w, request.Mount(r, ve.path, path))
				return
			}
		}
	}
	if e != nil {
		e.h.ServeHTTP(w, request.Mount(r, e.path, path[len(e.path):]))
		return
	}
	m.notFound.ServeHTTP(w, r)
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

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
