package bridge

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"strings"

	"github.com/pasteserve/pasteserve/request"
)

// CarrierHeader is the request header that carries the WSGI environ
// from Go to Python. A client's own header of that name (in any case,
// '_' for '-') never reaches Python: the Handler deletes it, and the
// host refuses a request whose carrier is not signed with the pool's
// key.
const CarrierHeader = "X-Pasteserve-Wsgi"

// carrier is what Go knows of a request that the WSGI environ must
// say, as the host module reads it (pasteserve_host.py, apply_carrier).
// The paths are percent-encoded bytes (escapePath), because they are
// bytes to WSGI (PEP 3333's latin-1 strings) and JSON strings are
// UTF-8.
type carrier struct {
	Key             string `json:"key"`
	ScriptName      string `json:"script_name"`
	PathInfo        string `json:"path_info"`
	URLScheme       string `json:"url_scheme"`
	Host            string `json:"host"`
	RemoteAddr      string `json:"remote_addr"`
	RemotePort      string `json:"remote_port,omitempty"`
	RequestID       string `json:"request_id,omitempty"`
	GlobalRequestID string `json:"global_request_id,omitempty"`
	// ServerName and ServerPort are the address the client connected
	// to, for a request without Host (HTTP/1.0): gunicorn alone then
	// gives SERVER_NAME and SERVER_PORT its listening address, and no
	// HTTP_HOST.
	ServerName string `json:"server_name,omitempty"`
	ServerPort string `json:"server_port,omitempty"`
}

// carrierOf describes r, as it reaches the tail named key.
func carrierOf(r *http.Request, key string) carrier {
	c := carrier{
		Key:             key,
		ScriptName:      escapePath(request.ScriptName(r)),
		PathInfo:        escapePath(r.URL.Path),
		URLScheme:       request.Scheme(r),
		Host:            r.Host,
		RequestID:       request.ID(r.Context()),
		GlobalRequestID: request.GlobalID(r.Context()),
	}
	if r.Host == "" {
		if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			if host, port, err := net.SplitHostPort(a.String()); err == nil {
				c.ServerName, c.ServerPort = host, port
			}
		}
	}
	// http_proxy_to_wsgi leaves a bare address (no port) in RemoteAddr.
	if host, port, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		c.RemoteAddr, c.RemotePort = host, port
	} else {
		c.RemoteAddr = strings.Trim(r.RemoteAddr, "[]")
	}
	return c
}

// sign returns the header value for c: base64url(json) "."
// base64url(HMAC-SHA256(key, json)).
func sign(key []byte, c carrier) string {
	payload, _ := json.Marshal(c) // strings only: cannot fail
	mac := hmac.New(sha256.New, key)
	mac.Write(payload)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(mac.Sum(nil))
}

// escapePath percent-encodes '%', controls, space and every byte
// outside ASCII, so that any bytes a path holds survive JSON; the host
// decodes it with urllib.parse.unquote_to_bytes and latin-1, as
// gunicorn decodes PATH_INFO.
func escapePath(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if needsEscape(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if needsEscape(c) {
			b = append(b, '%', hex[c>>4], hex[c&15])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

func needsEscape(c byte) bool { return c <= ' ' || c >= 0x7f || c == '%' }

// reserved reports whether a request header must not reach Python as
// the client sent it: any name that, case-folded with '_' read as '-',
// begins "x-pasteserve-" (gunicorn 20.1 gives X_Pasteserve_Wsgi the
// environ key of X-Pasteserve-Wsgi), and "script_name" with an
// underscore, which gunicorn takes as SCRIPT_NAME.
func reserved(name string) bool {
	return hasFoldedPrefix(name, "x-pasteserve-") || strings.EqualFold(name, "script_name")
}

// hasFoldedPrefix reports whether name begins with prefix (lower case),
// ignoring ASCII case and reading '_' as '-' when prefix has '-'.
func hasFoldedPrefix(name, prefix string) bool {
	if len(name) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c, p := name[i], prefix[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c == '_' && p == '-' {
			c = '-'
		}
		if c != p {
			return false
		}
	}
	return true
}
