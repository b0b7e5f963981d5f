package server

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog/hlog"
)

// headerLimits answers 431 when one header line (name, ": " and value) is
// longer than maxLine, and drops request headers whose names contain '_'.
// Proxies and WSGI servers treat X_USER_ID and X-User-Id alike, so an
// underscore spelling is the classic way to forge an identity header past
// a filter that strips the dash spelling; eventlet drops them too.
func headerLimits(maxLine int, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for name, values := range r.Header {
			for _, v := range values {
				if n := len(name) + 2 + len(v); n > maxLine {
					w.Header().Set("Content-Type", "text/plain; charset=utf-8")
					w.Header().Set("Connection", "close")
					w.WriteHeader(http.StatusRequestHeaderFieldsTooLarge)
					fmt.Fprintf(w, "431 Request Header Fields Too Large: the %s header line is %d bytes; this server accepts at most %d (max_header_line)\n", name, n, maxLine)
					return
				}
			}
			if strings.ContainsRune(name, '_') {
				delete(r.Header, name)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// poolLimit serves at most n requests at once; beyond that it answers
// 503 with Retry-After at once rather than queueing without bound. An
// atomic counter rather than a channel: it is on every request's path.
func poolLimit(n int, next http.Handler) http.Handler {
	var inflight atomic.Int64
	limit := int64(n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if inflight.Add(1) > limit {
			inflight.Add(-1)
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "503 Service Unavailable: this server is already serving %d requests (wsgi_default_pool_size); retry shortly\n", n)
			return
		}
		defer inflight.Add(-1)
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic in the pipeline into a 500. The body says
// only that, unless debug (wsgi_server_debug) is on; the panic and its
// stack go to the log.
func recoverPanics(debugBody bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p)
			}
			stack := debug.Stack()
			hlog.FromRequest(r).Error().Str("panic", fmt.Sprint(p)).Bytes("stack", stack).Msg("request panicked")
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusInternalServerError)
			if debugBody {
				fmt.Fprintf(w, "500 Internal Server Error\n\npanic: %v\n\n%s", p, stack)
				return
			}
			fmt.Fprintln(w, "500 Internal Server Error")
		}()
		next.ServeHTTP(w, r)
	})
}

// accessLog logs one line per request, with the fields of oslo's
// wsgi_log_format (client_ip, client_port, request_line, status_code,
// body_length, wall_seconds) as zerolog fields, plus the request id the
// pipeline returned. The query string is left out: it can carry tokens.
func accessLog(next http.Handler) http.Handler {
	return hlog.AccessHandler(func(r *http.Request, status, size int, d time.Duration) {
		ip, port := splitRemote(r.RemoteAddr)
		ev := hlog.FromRequest(r).Info().
			Str("client_ip", ip).Str("client_port", port).
			Str("request_line", r.Method+" "+r.URL.EscapedPath()+" "+r.Proto).
			Int("status_code", status).Int("body_length", size).
			Float64("wall_seconds", d.Seconds())
		ev.Msg("request")
	})(next)
}

func splitRemote(addr string) (ip, port string) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return addr, ""
	}
	if _, err := strconv.Atoi(addr[i+1:]); err != nil {
		return addr, ""
	}
	return strings.Trim(addr[:i], "[]"), addr[i+1:]
}
