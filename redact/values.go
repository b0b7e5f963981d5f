package redact

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Value returns what to print for the configuration value v of key: Mask
// when Secret(key, v); for a user of Swift's tempauth
// ("user_admin_admin = <password> .admin"), v with its first word
// masked; else v with the passwords of its URLs and its secret
// name=value pairs masked (see Text).
func Value(key, v string) string {
	if Secret(key, v) {
		return Mask
	}
	if n := tempauthPassword(key, v); n > 0 {
		return Mask + Text(v[n:])
	}
	return Text(v)
}

// tempauthPassword returns the length of the password that starts v
// when key is a user of Swift's tempauth, and 0 otherwise. tempauth reads
// every key "user_<account>_<user>" (or "user64_", base64 names) as a
// user whose value is "<password> [group ...] [storage URL]"; a key with
// more or fewer parts makes it fail to start. The parts must also be
// words (letters, digits, '-'; and base64's '+' and '/' after user64_),
// which keeps out dotted option names of other apps
// ("user_prefs_storage.method"). keystoneauth's user_domain_name and
// user_domain_id have the form but are names, and are common in an
// auth_token section.
func tempauthPassword(key, v string) int {
	rest, ok := strings.CutPrefix(key, "user_")
	b64 := false
	if !ok {
		if rest, ok = strings.CutPrefix(key, "user64_"); !ok {
			return 0
		}
		b64 = true
	}
	if strings.Count(rest, "_") != 1 || rest[0] == '_' || rest[len(rest)-1] == '_' ||
		key == "user_domain_name" || key == "user_domain_id" {
		return 0
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; !isAlnum(c) && c != '_' && c != '-' && !(b64 && (c == '+' || c == '/')) {
			return 0
		}
	}
	if n := strings.IndexAny(v, " \t\r\n"); n >= 0 {
		return n
	}
	return len(v)
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
// prints it, and, in the values of the other keys, every secret value of
// m or of the maps in also masked too (see Secrets). Interpolation is
// why: with "db_pass = hunter2" in [DEFAULT], "basic =
// user:%(db_pass)s" is "user:hunter2" in a section's local_conf, under a
// key that names no secret. A factory gets local_conf and global_conf, so
// each is printed with the other as also. A nil map gives nil.
func Map(m map[string]string, also ...map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	return Collect(append([]map[string]string{m}, also...)...).Map(m)
}

// minSecret is the length from which a secret value is masked wherever
// it is quoted: shorter ones ("1", "no") are too likely to be words of
// their own.
const minSecret = 4

// Secrets is the set of secret values of some configuration maps, for
// masking them where they are quoted under other names: in the values of
// other keys (an interpolated password) and in messages (a factory's
// error). The zero Secrets masks only what Value and Text mask.
type Secrets struct {
	// values are the secret values of at least minSecret bytes, and their
	// forms inside a Go-quoted string where those differ, longest first,
	// so that a secret is masked whole before one it contains.
	values []string
	// quoted pairs the value of a key that Value masks, as %q quotes it,
	// with its masked form quoted alike.
	quoted [][2]string
}

// Collect gathers the secret values of maps: the values of keys that are
// secret (see Secret), and the values of the keys whose Value masks part
// of them (tempauth's users) as a whole.
func Collect(maps ...map[string]string) Secrets {
	var s Secrets
	seen := map[string]bool{}
	for _, m := range maps {
		for k, v := range m {
			if !Secret(k, v) {
				if tempauthPassword(k, v) > 0 && len(v) >= minSecret {
					s.quoted = append(s.quoted, [2]string{strconv.Quote(v), strconv.Quote(Value(k, v))})
				}
				continue
			}
			if len(v) < minSecret || seen[v] {
				continue
			}
			seen[v] = true
			s.values = append(s.values, v)
			if q := strconv.Quote(v); q[1:len(q)-1] != v {
				s.values = append(s.values, q[1:len(q)-1])
			}
		}
	}
	sort.Slice(s.values, func(i, j int) bool {
		if len(s.values[i]) != len(s.values[j]) {
			return len(s.values[i]) > len(s.values[j])
		}
		return s.values[i] < s.values[j]
	})
	return s
}

// Value is the package's Value, with every secret value of s masked in
// what it prints.
func (s Secrets) Value(key, v string) string {
	out := Value(key, v)
	if out == Mask {
		return out
	}
	return s.mask(out)
}

// Map returns a copy of m with every value as s.Value prints it. A nil
// map gives nil.
func (s Secrets) Map(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = s.Value(k, v)
	}
	return out
}

// Text masks a message that may quote configuration: the quoted value of
// a key Value masks part of is replaced by its masked form, every secret
// value of s by Mask wherever it appears (also inside a %q quote), and
// the rest as the package's Text masks it.
func (s Secrets) Text(msg string) string {
	for _, q := range s.quoted {
		msg = strings.ReplaceAll(msg, q[0], q[1])
	}
	return Text(s.mask(msg))
}

func (s Secrets) mask(text string) string {
	for _, v := range s.values {
		if strings.Contains(text, v) {
			text = strings.ReplaceAll(text, v, Mask)
		}
	}
	return text
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
// of its user information (see Text) and the secret parameters of its
// path ("/x;password=pw", RFC 3986's parameters of a segment), query and
// fragment masked. A URL with nothing to mask is returned as it is,
// without allocating.
func URL(s string) string {
	if !mayMaskURL(s) {
		return s
	}
	s = maskURLPasswords(s)
	q := strings.IndexAny(s, "?#")
	if q < 0 {
		return maskPathParams(s)
	}
	if path := maskPathParams(s[:q]); path != s[:q] {
		s = path + s[q:]
		q = len(path)
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

// mayMaskURL reports whether URL may have anything to mask in s: a
// query, a fragment, user information or a path parameter. Byte by
// byte: the access log asks for every request, and strings.ContainsAny
// makes its set anew on each call.
func mayMaskURL(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '?', '#', '@', ';':
			return true
		}
	}
	return false
}

// Text masks the secrets that free text can carry: the password of every
// URL in it ("scheme://user:password@host", with every host of
// oslo.messaging's "scheme://u1:p1@h1,u2:p2@h2/"), a user name with no
// password that is long enough to be a token ("https://TOKEN@github.com"),
// and the value of every name=value pair whose name is a secret
// parameter ("?token=t", "password=pw", "--password=pw", "password='p
// w'", "Pwd=pw;" in an ODBC string). Pairs are written without spaces
// around '=': with spaces, in pasteserve's own messages, they are advice,
// not values. Text that has neither comes back as it is, without
// allocating.
func Text(s string) string {
	return maskPairs(maskURLPasswords(s))
}

// maskURLPasswords masks the password of every URL in s (see
// userinfoSpans for where it is).
func maskURLPasswords(s string) string {
	var b []byte
	var buf [4][2]int
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
		for _, sp := range userinfoSpans(s[p:end], buf[:0]) {
			b = append(b, s[last:p+sp[0]]...)
			b = append(b, Mask...)
			last = p + sp[1]
			// A URL inside the query (?next=http://...) is looked at
			// too, but not one inside what was masked.
			i = last
		}
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

// minTokenName is the length from which a user name with no password is
// taken for a token: GitHub's tokens are 40 characters and more,
// GitLab's 26; user names are shorter.
const minTokenName = 20

// userinfoSpans appends to spans the [start, end) of each secret in a,
// the text of a URL after "scheme://": the password of each user
// information, or a user name that is a token.
//
// The user information ends at an '@' before the first '/', and its
// password is what follows its first ':'. Readers differ on which '@':
// Python's urllib takes the last one before the first of "/?#", and
// SQLAlchemy, whose password runs to the '@' before the host, reads ','
// '?' and '#' in "mysql://nova:p?w@db/nova" as part of the password, so
// the password runs to the last '@' before the first '/'. oslo.messaging
// splits the hosts of "rabbit://a:pw1@h1,b:pw2@h2/" at ',' first, each
// with its own user: a host runs from an '@' to the next ',', so a
// user information ends at the last '@' before the ',' that follows its
// first '@'. A password with an unencoded '/' (which SQLAlchemy accepts)
// is masked too, unless what comes before that '/' is a port.
func userinfoSpans(a string, spans [][2]int) [][2]int {
	auth := a
	if k := strings.IndexByte(a, '/'); k >= 0 {
		auth = a[:k]
	}
	if strings.IndexByte(auth, '@') >= 0 {
		start := 0
		for start < len(auth) {
			at := strings.IndexByte(auth[start:], '@')
			if at < 0 {
				break
			}
			at += start
			hostEnd := len(auth)
			if k := strings.IndexByte(auth[at:], ','); k >= 0 {
				hostEnd = at + k
			}
			at = start + strings.LastIndexByte(auth[start:hostEnd], '@')
			spans = userSpan(spans, auth[start:at], start)
			start = hostEnd + 1
		}
		return spans
	}
	// SQLAlchemy's reading: user:password@ with '/' in the password.
	netloc := auth
	if k := strings.IndexAny(auth, "?#"); k >= 0 {
		netloc = auth[:k]
	}
	at := strings.IndexByte(a, '@')
	c := strings.IndexByte(netloc, ':')
	if at < 0 || c < 0 || at <= c+1 || strings.HasPrefix(netloc, "[") || allDigits(auth[c+1:]) {
		return spans // no user information, an IPv6 host, or host:port/path@...
	}
	return append(spans, [2]int{c + 1, at})
}

// userSpan appends the secret of the user information u, which starts at
// off: its password, or the whole of it when it has no password and
// looks like a token (long, and only characters a token has).
func userSpan(spans [][2]int, u string, off int) [][2]int {
	if c := strings.IndexByte(u, ':'); c >= 0 {
		if c+1 < len(u) {
			spans = append(spans, [2]int{off + c + 1, off + len(u)})
		}
		return spans
	}
	if len(u) < minTokenName {
		return spans
	}
	for i := 0; i < len(u); i++ {
		if c := u[i]; !isAlnum(c) && c != '_' && c != '-' && c != '.' && c != '~' && c != '%' {
			return spans
		}
	}
	return append(spans, [2]int{off, off + len(u)})
}

// maskPathParams masks the secret parameters of a path's segments:
// ";name=value", each ending at the next ';', ',', '/' or the end.
func maskPathParams(path string) string {
	if strings.IndexByte(path, ';') < 0 {
		return path
	}
	var b []byte
	last := 0
	for i := 0; i < len(path); i++ {
		if path[i] != ';' {
			continue
		}
		end := i + 1
		for end < len(path) && path[end] != ';' && path[end] != ',' && path[end] != '/' {
			end++
		}
		if eq := strings.IndexByte(path[i+1:end], '='); eq >= 0 && i+1+eq+1 < end && rawParam(path[i+1:i+1+eq]) {
			b = append(b, path[last:i+1+eq+1]...)
			b = append(b, Mask...)
			last = end
		}
		i = end - 1
	}
	if b == nil {
		return path
	}
	return string(append(b, path[last:]...))
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
				// No closing quote: the value runs to the end of the
				// line, which is safer than printing it.
				if q = strings.IndexByte(s[end+1:], '\n'); q < 0 {
					q = len(s) - end - 1
				}
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

// Line returns a line of a configuration file as it may be quoted: split
// at its first '=' or ':' as configparser splits it, with the value as
// Value prints it for the key before it; a line with neither goes
// through Text. It is for lines no parser has read as an entry, such as
// text after a section header's ']'.
func Line(s string) string {
	if start, v := LineValue(s); start >= 0 {
		return s[:start] + v
	}
	return Text(s)
}

// LineValue splits a configuration line as Line does and returns the
// byte offset of its value and the value as Value prints it, or -1 when
// the line has no '=' or ':' or its key masks nothing of the value (the
// line is then as Text prints it).
func LineValue(s string) (start int, value string) {
	d := strings.IndexAny(s, "=:")
	if d < 0 {
		return -1, ""
	}
	start = d + 1
	for start < len(s) && (s[start] == ' ' || s[start] == '\t') {
		start++
	}
	key, v := strings.TrimSpace(s[:d]), s[start:]
	if out := Value(key, v); out != Text(v) {
		return start, out
	}
	return -1, ""
}
