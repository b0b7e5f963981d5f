package server

import "net/http"

// closeUnframed answers a request whose framing the server cannot check
// with Connection: close (see mustClose): net/http has already removed
// what would tell a smuggling attempt from an honest request, so the
// connection is never read past such a request's body.
func closeUnframed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mustClose(r) {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}

// mustClose reports whether the connection must close after r, for its
// framing.
//
// A request with both Content-Length and Transfer-Encoding is framed by
// the chunked encoding (RFC 9112 §6.1), and a front end that framed it by
// Content-Length forwards, inside what it took for the body, a request of
// the client's making; that "request smuggling" is answered by closing
// the connection after the response. net/http reads the chunked body but
// deletes Content-Length from r.Header, so a handler cannot tell whether
// both came: every request that came chunked closes its connection.
//
// In HTTP/1.0, net/http ignores Transfer-Encoding and deletes it, and
// frames the body by Content-Length alone; RFC 9112 §6.1 says such a
// message's framing is faulty and the connection must close after it.
// Since the header is gone, every HTTP/1.0 request that asks for
// keep-alive closes its connection (HTTP/1.0 keep-alive is a legacy
// extension; ab -k is its main user).
//
// Both cost a reconnect, never a request: the upload itself is served.
func mustClose(r *http.Request) bool {
	return r.ProtoMajor == 1 && (r.TransferEncoding != nil || r.ProtoMinor == 0 && !r.Close)
}
