package server

import (
	"fmt"
	"net/http"
)

// headerLimits answers 431, with a body that names the limit, a request
//
//   - with a header line (name, ": " and value) longer than maxLine
//     (max_header_line); Host (r.Host) and Trailer (r.Trailer) are
//     header lines too, though net/http keeps them out of r.Header;
//   - whose request line and headers together are larger than maxSize
//     (max_header_size). net/http's own limit is set to twice that
//     (headerCeiling), so that this one, whose 431 carries the request
//     id and is logged, is the one that answers; what goes past
//     net/http's limit is answered by the connection (wireConn). The
//     count is of the request as net/http parsed it, which is the
//     request as it came but for what net/http folds away (see
//     docs/server.md, "Limits"): those are counted low, never high, and
//     net/http's limit bounds them.
//
// A request within the limits then loses its headers whose names contain
// '_' (dropUnderscoreHeaders), which were counted: the client sent them.
func headerLimits(maxLine, maxSize int) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// size counts the request as it came: "METHOD URI PROTO\r\n",
			// each "Name: value\r\n", the blank line.
			size := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4 + 2
			if r.Host != "" {
				n := len("Host: ") + len(r.Host)
				if n > maxLine {
					headerTooLong(w, "Host", n, maxLine)
					return
				}
				size += n + 2
			}
			underscore := false
			for name, values := range r.Header {
				underscore = underscore || underscoreName(name)
				for _, v := range values {
					n := len(name) + 2 + len(v)
					if n > maxLine {
						headerTooLong(w, name, n, maxLine)
						return
					}
					size += n + 2
				}
			}
			if r.Trailer != nil {
				n := trailerLine(r.Trailer)
				if n > maxLine {
					headerTooLong(w, "Trailer", n, maxLine)
					return
				}
				size += n + 2
			}
			if r.TransferEncoding != nil {
				size += len("Transfer-Encoding: chunked\r\n")
			}
			if pragmaAddedCacheControl(r.Header) {
				size -= len("Cache-Control: no-cache\r\n")
			}
			if size > maxSize {
				headersTooLarge(w, size, maxSize)
				return
			}
			if underscore {
				dropUnderscoreHeaders(r.Header)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// pragmaAddedCacheControl reports whether r's "Cache-Control: no-cache"
// may be net/http's own: it adds one to a request with "Pragma: no-cache"
// and no Cache-Control (fixPragmaCacheControl, RFC 9111 §5.4), which the
// client did not send. A client that sent both is counted 25 bytes short.
func pragmaAddedCacheControl(h http.Header) bool {
	p := h["Pragma"]
	if len(p) == 0 || p[0] != "no-cache" {
		return false
	}
	cc := h["Cache-Control"]
	return len(cc) == 1 && cc[0] == "no-cache"
}

// trailerLine is the length of the "Trailer: A, B" line r.Trailer was
// made from; net/http moves the header there for a chunked request.
func trailerLine(t http.Header) int {
	n := len("Trailer: ")
	for k := range t {
		n += len(k) + len(", ")
	}
	return n - len(", ")
}

func headerTooLong(w http.ResponseWriter, name string, n, maxLine int) {
	headerLineRejections.Inc()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Connection", "close")
	w.WriteHeader(http.StatusRequestHeaderFieldsTooLarge)
	fmt.Fprintf(w, "431 Request Header Fields Too Large: the %s header line is %d bytes; this server accepts at most %d (max_header_line)\n", name, n, maxLine)
}

func headersTooLarge(w http.ResponseWriter, n, max int) {
	headerSizeRejections.Inc()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Connection", "close")
	w.WriteHeader(http.StatusRequestHeaderFieldsTooLarge)
	fmt.Fprintf(w, "431 Request Header Fields Too Large: the request line and headers are %d bytes; this server accepts at most %d (max_header_size)\n", n, max)
}
