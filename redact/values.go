package redact

import (
	"net/http"
	"sort"
	"strings"
)

// Value returns what to print for the configuration value v of key: Mask
// when Secret(key, v), else v with the passwords of its URLs and its
// secret name=value pairs masked (see Text).
func Value(key, v string) string {
	if Secret(key, v) {
		return Mask
	}
	return Text(v)
}

// Secret reports whether the value v of key is masked whole: key names a
// secret (see Key), and v is neither empty nor a boolean word (true,
// false, yes, no, on, off), which makes it a switch, whatever its name
// says ("create_default_api_keys = true").
func Secret(key, v string) bool {
	if v == "" || !Key(key) {
		return false
	}
	switch t := strings.TrimSpace(v); {
	case strings.EqualFold(t, "true"), strings.EqualFold(t, "false"), strings.EqualFold(t, "yes"),
		strings.EqualFold(t, "no"), strings.EqualFold(t, "on"), strings.EqualFold(t, "off"):
		return false
	}
	return true
}

// Map returns a copy of a configuration map with every value as Value
// prints it. A nil map gives nil.
func Map(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = Value(k, v)
	}
	return out
}

// Headers returns h as a map for a log line: each header's values joined
// with ", ", secret headers (see Header) as Mask, the others through
// Text.
func Headers(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		if Header(k) {
			out[k] = Mask
			continue
		}
		out[k] = Text(strings.Join(v, ", "))
	}
	return out
}

// SortedHeaders is Headers as "Name: value" lines in name order, for a
// block of text.
func SortedHeaders(h http.Header) []string {
	m := Headers(h)
	lines := make([]string, 0, len(m))
	for k, v := range m {
		lines = append(lines, k+": "+v)
	}
	sort.Strings(lines)
	return lines
}

// Query returns a raw query string (or a form-encoded body) with the
// values of secret parameters (see Param) masked. Everything else, the
// order and the encoding included, is kept as it was; a query with no
// secret is returned as it is, without allocating.
func Query(raw string) string {
	var b []byte
	last := 0
	for i := 0; i < len(raw); {
		end := len(raw)
		if k := strings.IndexAny(raw[i:], "&;"); k >= 0 {
			end = i + k
		}
		if eq := strings.IndexByte(raw[i:end], '='); eq >= 0 && i+eq+1 < end && rawParam(raw[i:i+eq]) {
			b = append(b, raw[last:i+eq+1]...)
			b = append(b, Mask...)
			last = end
		}
		i = end + 1
	}
	if b == nil {
		return raw
	}
	return string(append(b, raw[last:]...))
}

// URL returns a URL, or a request URI ("/path?query"), with the password
// of its user information and the secret parameters of its query and
// fragment masked.
func URL(s string) string {
	if !strings.ContainsAny(s, "?#@") {
		return s
	}
	s = maskURLPasswords(s)
	q := strings.IndexAny(s, "?#")
	if q < 0 {
		return s
	}
	rest := s[q+1:]
	frag := ""
	if s[q] == '?' {
		if h := strings.IndexByte(rest, '#'); h >= 0 {
			rest, frag = rest[:h], rest[h:]
		}
	}
	masked, changed := Query(rest), false
	if frag != "" {
		if f := Query(frag[1:]); f != frag[1:] {
			frag, changed = "#"+f, true
		}
	}
	if masked == rest && !changed {
		return s
	}
	return s[:q+1] + masked + frag
}

// Text masks the secrets that free text can carry: the password of every
// URL in it ("scheme://user:password@host", with every host of
// oslo.messaging's "scheme://u1:p1@h1,u2:p2@h2/"), and the value of every
// name=value pair whose name is a secret parameter ("?token=t",
// "password=pw", "--password=pw", "password='p w'"). Pairs are written
// without spaces around '=': with spaces, in pasteserve's own messages,
// they are advice, not values. Text that has neither comes back as it
// is, without allocating.
func Text(s string) string {
	return maskPairs(maskURLPasswords(s))
}

// maskURLPasswords masks the password of every URL in s. The user
// information of a URL ends at the last '@' before the first '/', and
// the password is what follows its first ':', as Python's urllib reads
// it; the hosts of a multi-host URL are split at ',' first, as
// oslo.messaging's TransportURL does. A password with an unencoded '/'
// (which SQLAlchemy accepts: its password runs to the first '@') is
// masked too, unless what comes before that '/' is a port.
func maskURLPasswords(s string) string {
	var b []byte
	last := 0
	for i := 0; ; {
		j := strings.Index(s[i:], "://")
		if j < 0 {
			break
		}
		j += i
		p := j + 3
		i = p
		if j == 0 || !isSchemeByte(s[j-1]) {
			continue
		}
		end := p
		for end < len(s) && !isWordEnd(s[end]) {
			end++
		}
		auth := end
		if k := strings.IndexAny(s[p:end], "?#"); k >= 0 {
			auth = p + k
		}
		for _, sp := range passwordSpans(s[p:auth]) {
			b = append(b, s[last:p+sp[0]]...)
			b = append(b, Mask...)
			last = p + sp[1]
		}
		// A URL inside the query (?next=http://...) is looked at too.
		i = auth
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

// passwordSpans returns the [start, end) of each password in a, the text
// of a URL after "scheme://" up to its query.
func passwordSpans(a string) [][2]int {
	var spans [][2]int
	netloc := a
	if k := strings.IndexByte(a, '/'); k >= 0 {
		netloc = a[:k]
	}
	if strings.IndexByte(netloc, '@') >= 0 {
		start := 0
		for _, host := range strings.Split(netloc, ",") {
			if at := strings.LastIndexByte(host, '@'); at >= 0 {
				if c := strings.IndexByte(host[:at], ':'); c >= 0 && c+1 < at {
					spans = append(spans, [2]int{start + c + 1, start + at})
				}
			}
			start += len(host) + 1
		}
		return spans
	}
	// SQLAlchemy's reading: user:password@ with '/' in the password.
	at := strings.IndexByte(a, '@')
	c := strings.IndexByte(netloc, ':')
	if at < 0 || c < 0 || at <= c+1 || strings.HasPrefix(netloc, "[") || allDigits(netloc[c+1:]) {
		return nil // no user information, an IPv6 host, or host:port/path@...
	}
	return [][2]int{{c + 1, at}}
}

// maskPairs masks the value of every name=value pair in s whose name is
// a secret parameter.
func maskPairs(s string) string {
	if strings.IndexByte(s, '=') < 0 {
		return s
	}
	var b []byte
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			continue
		}
		n := i
		for n > 0 && isNameByte(s[n-1]) {
			n--
		}
		if n == i || !rawParam(s[n:i]) {
			continue
		}
		start, end := i+1, i+1
		if end < len(s) && (s[end] == '"' || s[end] == '\'') {
			q := strings.IndexByte(s[end+1:], s[end])
			if q < 0 {
				continue
			}
			start, end = end+1, end+1+q
		} else {
			for end < len(s) && !isValueEnd(s[end]) {
				end++
			}
		}
		if end == start {
			continue
		}
		b = append(b, s[last:start]...)
		b = append(b, Mask...)
		last = end
		i = end - 1
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isSchemeByte(c byte) bool { return isAlnum(c) || c == '+' || c == '-' || c == '.' }

// isWordEnd ends a URL in free text.
func isWordEnd(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '"', '\'', '<', '>', '`':
		return true
	}
	return false
}

func isNameByte(c byte) bool {
	return isAlnum(c) || c == '_' || c == '-' || c == '.' || c == '%' || c == '+'
}

// isValueEnd ends the value of a name=value pair.
func isValueEnd(c byte) bool {
	switch c {
	case '&', ';', ',', ')', ']', '}', '#':
		return true
	}
	return isWordEnd(c)
}
