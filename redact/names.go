package redact

import (
	"net/url"
	"strings"
)

// Mask is what a secret value is printed as.
const Mask = "****"

// maxWords is how many words of a name Key looks at, from the end: the
// head, a word it looks through, and the words before them that say what
// kind of key a key is.
const maxWords = 4

// secretHeads are the words that make a name secret when they end it.
// passcode is TOTP's one-time password (Keystone's totp method).
var secretHeads = []string{"password", "passwd", "passphrase", "passcode", "pswd", "pass", "secret", "token", "sig", "signature"}

// secretSuffixes make a one-word compound secret: "adminpassword",
// "clientsecret", "authtoken". "pass" is not among them ("bypass",
// "compass"): the compounds of it that are secret are in compounds.
var secretSuffixes = []string{"password", "passwd", "passphrase", "secret", "token"}

// compounds are whole names that are secret, matched against the last
// run of letters and digits of a name in any case (see Key): the
// compounds of "pass" that name passwords, and oslo.utils' one-word
// _SANITIZE_KEYS that no other part of the rule catches (TripleO's
// parameter names, which it writes CephClientKey, and Ceph's cephxkey).
var compounds = []string{
	"adminpass", "newpass", "oldpass", "userpass", "rootpass",
	"configdrive", "sslkey", "octaviaheartbeatkey", "rabbitcookie", "cephmanilaclientkey", "pacemakerremoteauthkey",
	"designaterndckey", "cephadminkey", "heatauthencryptionkey", "cephclientkey", "keystonecredential",
	"barbicansimplecryptokek", "cephrgwkey", "swifthashsuffix", "migrationsshkey", "cephmdskey", "cephmonkey", "cephxkey",
}

// exporterHeaders are the options that hold the headers an
// OpenTelemetry exporter sends its collector, whose values are its
// credentials (an API key, a bearer token) under names of any kind
// ("x-honeycomb-team=..."): pasteserve's tracing_headers and the SDKs'
// environment variables.
var exporterHeaders = []string{"tracing_headers", "otel_exporter_otlp_headers", "otel_exporter_otlp_traces_headers"}

// keyKinds are the words before "key" that make it a secret key.
var keyKinds = []string{"secret", "private", "api", "access", "auth", "encryption", "encrypt", "crypt", "crypto",
	"encrypted", "signing", "sign", "hmac", "master", "shared", "validate", "validation", "fernet", "license", "jwt"}

// transparent heads say how a secret is written, not what it is.
var transparent = []string{"value", "data", "string", "str", "text", "hash", "b64", "base64", "hex", "encoded", "encrypted", "plain", "raw"}

// Key reports whether a configuration key names a secret. The package
// doc gives the rule; in short, the last word of the name decides:
// "admin_password", "memcache_secret_key", "admin_token" and
// "session.secret" are secrets, "token_cache_time", "password_file" and
// "cache_key" are not. A urlmap path ("/v3/auth/tokens") is no name.
func Key(name string) bool {
	if isPath(name) {
		return false
	}
	if oneOf(name[strings.LastIndexByte(name, '.')+1:], exporterHeaders) { // "DEFAULT.tracing_headers" too
		return true
	}
	if r := lastRun(name); oneOf(r, compounds) || oneOf(trimPlural(r), compounds) {
		return true
	}
	var buf [maxWords]string
	w := lastWords(name, buf[:0])
	// w holds the last words, the head first.
	for len(w) > 1 && oneOf(w[0], transparent) {
		w = w[1:]
	}
	if len(w) == 0 {
		return false
	}
	if secretWord(w[0]) {
		return true
	}
	head := trimPlural(w[0])
	if strings.EqualFold(head, "key") {
		if len(w) < 2 {
			return false
		}
		prev := w[1]
		if oneOf(prev, keyKinds) || secretWord(prev) {
			return true
		}
		// Swift's temp_url_key, X-Account-Meta-Temp-URL-Key(-2).
		return (strings.EqualFold(prev, "url") && len(w) > 2 && strings.EqualFold(w[2], "temp")) || strings.EqualFold(prev, "tempurl")
	}
	// "apikey", "secretkey", "hmackeys".
	if len(head) > 3 && hasSuffixFold(head, "key") {
		return oneOf(head[:len(head)-3], keyKinds)
	}
	return false
}

// secretWord reports whether one word is a secret head.
func secretWord(w string) bool {
	for _, s := range [2]string{w, trimPlural(w)} {
		if oneOf(s, secretHeads) {
			return true
		}
		for _, suf := range secretSuffixes {
			if len(s) > len(suf) && hasSuffixFold(s, suf) {
				return true
			}
		}
	}
	return false
}

// Header reports whether an HTTP header carries a secret: a name whose
// last word is Authorization (Authorization, Proxy-Authorization, and
// the X-Authorization and X-Forwarded-Authorization that gateways
// pass on), Cookie, Set-Cookie, Keystone's Openstack-Auth-Receipt (the
// receipt of a half-done multi-factor login), or a name that is secret
// by the rule for keys (X-Auth-Token, X-Subject-Token, X-Auth-Key,
// X-Api-Key, ...). Any case. The debug filter judges the member names
// of JSON bodies by the same rule ({"Authorization": "Bearer ..."}).
func Header(name string) bool {
	switch {
	case strings.EqualFold(name, "Cookie"), strings.EqualFold(name, "Set-Cookie"),
		strings.EqualFold(name, "Openstack-Auth-Receipt"):
		return true
	}
	var buf [1]string
	if w := lastWords(name, buf[:0]); len(w) == 1 && strings.EqualFold(w[0], "authorization") {
		return true
	}
	return Key(name)
}

// paramNames are parameter names that are secret though no key by
// those words would be: API keys (?key=), JWTs (?jwt=), and ODBC's
// Pwd= (and pw=) in connection strings.
var paramNames = []string{"key", "jwt", "pwd", "pw"}

// Param reports whether a query or form parameter is secret: its name is
// secret by the rule for keys, or is key, jwt, pwd or pw. name is as
// decoded.
func Param(name string) bool {
	return oneOf(name, paramNames) || Key(name)
}

// rawParam is Param for a name as it appears in a query, percent-encoded
// or with '+' for spaces.
func rawParam(name string) bool {
	if strings.ContainsAny(name, "%+") {
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
	}
	return Param(name)
}

// isPath reports whether a key is one of urlmap's paths rather than a
// name: "/v1/secrets", "domain example.com /x", "port 8080 /x", or a
// URL. Its words say where requests go, not what a value is.
func isPath(name string) bool {
	if strings.HasPrefix(name, "/") || strings.HasPrefix(name, "domain ") || strings.HasPrefix(name, "port ") ||
		strings.HasPrefix(name, "domain\t") || strings.HasPrefix(name, "port\t") {
		return true
	}
	i := strings.Index(name, "://")
	if i <= 0 {
		return false
	}
	for j := 0; j < i; j++ {
		if !isSchemeByte(name[j]) {
			return false
		}
	}
	return true
}

// lastRun returns the last run of ASCII letters and digits in name,
// without its trailing digits: "CephClientKey" of "tripleo.CephClientKey",
// "KeystoneCredential" of "KeystoneCredential0".
func lastRun(name string) string {
	end := len(name)
	for end > 0 && !isAlnum(name[end-1]) {
		end--
	}
	start := end
	for start > 0 && isAlnum(name[start-1]) {
		start--
	}
	return strings.TrimRight(name[start:end], "0123456789")
}

// lastWords appends the last maxWords words of name to w, the last word
// first. Words are split at every byte that is not an ASCII letter or
// digit and at camelCase boundaries ("adminPass", "APIKey"); trailing
// digits are dropped from a word, and words of digits only are skipped.
// The words are substrings of name: nothing is allocated.
func lastWords(name string, w []string) []string {
	end := len(name)
	for end > 0 && len(w) < cap(w) {
		for end > 0 && !isAlnum(name[end-1]) {
			end--
		}
		if end == 0 {
			break
		}
		start := end - 1
		for start > 0 && isAlnum(name[start-1]) && !camelBoundary(name, start) {
			start--
		}
		word := strings.TrimRight(name[start:end], "0123456789")
		if word != "" {
			w = append(w, word)
		}
		end = start
	}
	return w
}

// camelBoundary reports whether a new word starts at name[i]: a capital
// after a small letter or digit ("adminPass"), or a capital followed by
// a small letter after another capital ("APIKey" is API, Key).
func camelBoundary(name string, i int) bool {
	c, p := name[i], name[i-1]
	if !isUpper(c) {
		return false
	}
	if isLower(p) || isDigit(p) {
		return true
	}
	return isUpper(p) && i+1 < len(name) && isLower(name[i+1])
}

func trimPlural(w string) string {
	if len(w) > 3 && (w[len(w)-1] == 's' || w[len(w)-1] == 'S') {
		return w[:len(w)-1]
	}
	return w
}

func oneOf(w string, list []string) bool {
	for _, s := range list {
		if strings.EqualFold(w, s) {
			return true
		}
	}
	return false
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlnum(c byte) bool { return isUpper(c) || isLower(c) || isDigit(c) }
