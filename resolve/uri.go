package resolve

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// isURI reports whether name is a URI rather than a section name, as
// PasteDeploy's ConfigLoader.absolute_name does (re.search(r'^[a-zA-Z]+:')):
// a scheme of ASCII letters then ':'. "my-scheme:foo" is a section name.
// Byte by byte rather than with the regular expression: every section a
// file loads asks, twice.
func isURI(name string) bool {
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case c == ':':
			return i > 0
		default:
			return false
		}
	}
	return false
}

// uri is a parsed object URI: config:PATH, egg:DIST or call:MOD:ATTR,
// with the object name from its #fragment (default "main").
type uri struct {
	scheme string // "config", "egg" or "call", lower case
	path   string // what follows "scheme:", fragment removed
	name   string
	raw    string
}

// parseURI splits a URI the way PasteDeploy's loadcontext does: a
// #fragment names the object unless name is given, in which case the
// fragment is dropped; the scheme is case-insensitive.
func parseURI(s, name string) (uri, error) {
	u := uri{raw: s, name: name}
	if i := strings.IndexByte(s, '#'); i >= 0 {
		if name == "" {
			u.name = s[i+1:]
			if u.name == "" {
				return u, fmt.Errorf("%q names an empty object after '#'", s)
			}
		}
		s = s[:i]
	}
	if u.name == "" {
		u.name = "main"
	}
	scheme, path, ok := strings.Cut(s, ":")
	if !ok {
		return u, fmt.Errorf("URI has no scheme: %q; write config:FILE, egg:DIST#NAME or call:MODULE:ATTR", s)
	}
	u.scheme, u.path = strings.ToLower(scheme), path
	switch u.scheme {
	case "config", "egg", "call":
	default:
		return u, fmt.Errorf("URI scheme not known: %q (from config, egg, call)", scheme)
	}
	if u.scheme == "call" && !strings.Contains(path, ":") {
		return u, fmt.Errorf("%q is not in the form call:module:function", u.raw)
	}
	return u, nil
}

// configPath turns the path of a config: URI into a file path the way
// PasteDeploy's _loadconfig does: backslashes become slashes, a relative
// path is joined to relativeTo with '/', a leading "///" becomes "/", the
// result is percent-decoded and stripped.
func configPath(path, relativeTo string) (string, error) {
	abs := filepath.IsAbs(path)
	path = strings.ReplaceAll(path, `\`, "/")
	if !abs {
		if relativeTo == "" {
			return "", fmt.Errorf("cannot resolve relative URI config:%s: no directory to resolve it against", path)
		}
		if strings.HasSuffix(relativeTo, "/") {
			path = relativeTo + path
		} else {
			path = relativeTo + "/" + path
		}
	}
	if strings.HasPrefix(path, "///") {
		path = path[2:]
	}
	if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	return strings.TrimSpace(path), nil
}
