// Package apps holds pasteserve's built-in app and composite factories,
// each registered under a Go name and the Python references it replaces.
package apps

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/pasteserve/pasteserve/loader"
)

func init() {
	loader.Register(loader.Factory{
		Name:      "urlmap",
		Aliases:   []string{"egg:Paste#urlmap", "paste.urlmap:urlmap_factory"},
		Kind:      loader.KindComposite,
		Doc:       "routes by path prefix (and host, port) to other apps, as Paste's urlmap",
		Composite: newURLMap,
		Children:  urlmapChildren,
	})
}

// urlmapChildren names the apps a urlmap section mounts: every local key
// except not_found_app, which comes from the local or the global
// configuration.
func urlmapChildren(cfg *loader.Config) map[string]string {
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
	h      http.Handler
}

type urlMap struct {
	entries  []mapping
	notFound http.Handler
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

func newURLMap(l loader.Loader, cfg *loader.Config) (http.Handler, error) {
	m := &urlMap{notFound: http.NotFoundHandler()}
	kids := urlmapChildren(cfg)
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
		id := [2]string{domain, path}
		if i, ok := byKey[id]; ok {
			m.entries[i].h = h
			continue
		}
		byKey[id] = len(m.entries)
		m.entries = append(m.entries, mapping{domain, path, path + "/", h})
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
		return len(a.path) > len(b.path)
	})
	return m, nil
}

func (m *urlMap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if strings.Contains(path, "//") {
		path = slashes.ReplaceAllString(path, "/")
	}
	var host, hostPort string // worked out only if an entry has a domain
	for _, e := range m.entries {
		if e.domain != "" {
			if host == "" {
				host, hostPort = requestHost(r)
			}
			if e.domain != host && e.domain != hostPort {
				continue
			}
		}
		if path == e.path || strings.HasPrefix(path, e.prefix) {
			e.h.ServeHTTP(w, loader.Mount(r, e.path, path[len(e.path):]))
			return
		}
	}
	m.notFound.ServeHTTP(w, r)
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
