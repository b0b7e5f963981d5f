package server

import (
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pasteserve/pasteserve/redact"
	"github.com/rs/zerolog"
	"github.com/rs/zerolog/hlog"
)

// accessLog logs one line per request: the message is oslo's
// wsgi_log_format template filled in, and the same values are fields
// (client_ip, client_port, request_line, status_code, body_length,
// wall_seconds) for machines. The query string is left out of the request
// line: it can carry tokens; the path's secret parameters
// ("/x;password=pw") are masked (redact.URL).
func accessLog(format string, next http.Handler) http.Handler {
	render := compileLogFormat(format)
	return hlog.AccessHandler(func(r *http.Request, status, size int, d time.Duration) {
		ip, port := splitRemote(r.RemoteAddr)
		line := r.Method + " " + redact.URL(r.URL.EscapedPath()) + " " + r.Proto
		hlog.FromRequest(r).Info().
			Str("client_ip", ip).Str("client_port", port).
			Str("request_line", line).
			Int("status_code", status).Int("body_length", size).
			Float64("wall_seconds", d.Seconds()).
			Msg(render(accessFields{ip, port, line, status, size, d}))
	})(next)
}

type accessFields struct {
	ip, port, line string
	status, size   int
	took           time.Duration
}

// compileLogFormat turns an oslo wsgi_log_format template into a
// function, once: the template is parsed at start, not per request.
// Unknown names are kept as written.
func compileLogFormat(format string) func(accessFields) string {
	type piece struct {
		text  string
		field string
		prec  int
	}
	var pieces []piece
	for format != "" {
		i := strings.Index(format, "%(")
		j := -1
		if i >= 0 {
			j = strings.IndexByte(format[i:], ')')
		}
		if i < 0 || j < 0 {
			pieces = append(pieces, piece{text: format})
			break
		}
		pieces = append(pieces, piece{text: format[:i]})
		name := format[i+2 : i+j]
		rest := format[i+j+1:]
		// A conversion: s, d, or .Nf.
		prec := -1
		k := 0
		if strings.HasPrefix(rest, ".") {
			k = 1
			for k < len(rest) && rest[k] >= '0' && rest[k] <= '9' {
				k++
			}
			prec, _ = strconv.Atoi(rest[1:k])
		}
		if k < len(rest) && strings.ContainsRune("sdf", rune(rest[k])) {
			k++
		}
		pieces = append(pieces, piece{field: name, prec: prec})
		format = rest[k:]
	}
	return func(a accessFields) string {
		var b strings.Builder
		for _, p := range pieces {
			switch p.field {
			case "":
				b.WriteString(p.text)
			case "client_ip":
				b.WriteString(a.ip)
			case "client_port":
				b.WriteString(a.port)
			case "date_time":
				b.WriteString(time.Now().UTC().Format("02/Jan/2006 15:04:05"))
			case "request_line":
				b.WriteString(a.line)
			case "status_code":
				b.WriteString(strconv.Itoa(a.status))
			case "body_length":
				b.WriteString(strconv.Itoa(a.size))
			case "wall_seconds":
				if p.prec < 0 {
					p.prec = 6
				}
				b.WriteString(strconv.FormatFloat(a.took.Seconds(), 'f', p.prec, 64))
			default:
				b.WriteString("%(" + p.field + ")")
			}
		}
		return b.String()
	}
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

// guard applies the server's per-request limits, in one handler because
// it runs on every request:
//
//   - a request that came with Transfer-Encoding (chunked, in HTTP/1.1),
//     or as HTTP/1.0 asking for keep-alive, is answered with Connection:
//     close. net/http has already removed what would tell a smuggling
//     attempt from an honest request (see mustClose), so the
//     connection is never read past such a request's body;
//   - a header line (name, ": " and value) longer than max_header_line
//     gets 431 with a body that names it; Host (r.Host) and Trailer
//     (r.Trailer) are header lines too, though net/http keeps them out
//     of r.Header;
//   - the request line and headers together larger than max_header_size
//     get 431 with a body that says so. net/http's own limit is set to
//     twice that (headerCeiling), so that this one, whose 431 carries
//     the request id and is logged, is the one that answers; what goes
//     past net/http's limit is answered by the connection (wireConn).
//     The count is of the request as net/http parsed it, which is the
//     request as it came but for what net/http folds away (see
//     docs/server.md, "Limits"): those are counted low, never high, and
//     net/http's limit bounds them;
//   - request headers whose names contain '_' are dropped: proxies and
//     WSGI servers treat X_USER_ID and X-User-Id alike, so an underscore
//     spelling is the classic way to forge an identity header past a
//     filter that strips the dash spelling (eventlet 0.33 does not drop
//     them: it maps X_User_Id to HTTP_X_USER_ID, as it maps X-User-Id);
//   - beyond wsgi_default_pool_size requests at once, 503 with
//     Retry-After at once, rather than queueing without bound (an atomic
//     counter, not a channel);
//   - over HTTP/2, a stream whose client grants it no flow-control window
//     for the no-progress limit is reset (streamWriter); over HTTP/1 the
//     connection does that (wireConn);
//   - a panic becomes a 500 whose body says only that unless
//     wsgi_server_debug is on; the panic and its stack go to the log.
func guard(o Options, next http.Handler) http.Handler {
	var inflight atomic.Int64
	limit := int64(o.PoolSize)
	maxLine := o.MaxHeaderLine
	maxSize := o.MaxHeaderSize
	stall := noProgressLimit(o)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mustClose(r) {
			w.Header().Set("Connection", "close")
		}
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
		for name, values := range r.Header {
			for _, v := range values {
				n := len(name) + 2 + len(v)
				if n > maxLine {
					headerTooLong(w, name, n, maxLine)
					return
				}
				size += n + 2
			}
			if strings.IndexByte(name, '_') >= 0 {
				delete(r.Header, name)
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
		if r.RequestURI == "*" && r.Method == http.MethodOptions {
			answerServerOptions(w, r)
			return
		}
		if inflight.Add(1) > limit {
			inflight.Add(-1)
			poolFull(w, int(limit))
			return
		}
		if r.ProtoMajor == 2 && stall > 0 {
			sw := &streamWriter{ResponseWriter: w, limit: stall, log: hlog.FromRequest(r)}
			if o.WriteTimeout > 0 {
				// net/http set the stream's deadline a moment ago.
				sw.hard = time.Now().Add(o.WriteTimeout)
			}
			defer sw.stop()
			w = sw
		}
		defer func() {
			inflight.Add(-1)
			if p := recover(); p != nil {
				answerPanic(w, r, p, o.Debug)
			}
		}()
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

// streamWriter applies the no-progress limit to one HTTP/2 stream. A
// client can hold a stream still without stalling the connection, by
// granting it no flow-control window, and its handler then waits in
// Write for as long as the client likes, holding a pool slot. Each Write
// is cut into pieces of streamChunk; when one has not gone out after
// limit, the stream is reset (through ResponseController's write
// deadline, which net/http's HTTP/2 server implements per stream) and
// the Write fails. A client that grants at least streamChunk per limit
// is never cut.
//
// The clock runs only while a Write waits: a handler may take as long as
// it likes between writes. The bytes net/http still buffers when the
// handler returns (up to 4 KB, and the end of the stream) are sent after
// the pool slot is given back, by net/http, which waits for the client's
// window with no limit of its own: stop gives the stream a write deadline
// of limit for them, so that a client that grants no window cannot keep
// the handler's goroutine (and its memory) forever.
type streamWriter struct {
	http.ResponseWriter
	limit time.Duration
	log   *zerolog.Logger // the request's

	mu    sync.Mutex
	since time.Time // when the waiting write began; zero when none waits
	timer *time.Timer
	armed bool
	// hard is the stream's write deadline as far as it is known: from
	// write_timeout, or what the handler set (SetWriteDeadline); zero
	// for none. stop never moves it later.
	hard time.Time
}

const streamChunk = 16 << 10

func (s *streamWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		s.begin()
		n, err := s.ResponseWriter.Write(p[:min(len(p), streamChunk)])
		s.end()
		written += n
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}

// Flush waits for the client as Write does.
func (s *streamWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		s.begin()
		f.Flush()
		s.end()
	}
}

// Unwrap lets http.ResponseController reach net/http's writer.
func (s *streamWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// SetWriteDeadline is the handler's, through http.ResponseController:
// it is passed on, and remembered for stop.
func (s *streamWriter) SetWriteDeadline(t time.Time) error {
	s.mu.Lock()
	s.hard = t
	s.mu.Unlock()
	return http.NewResponseController(s.ResponseWriter).SetWriteDeadline(t)
}

func (s *streamWriter) begin() {
	s.mu.Lock()
	s.since = time.Now()
	if !s.armed {
		s.armed = true
		if s.timer == nil {
			s.timer = time.AfterFunc(s.limit, s.check)
		} else {
			s.timer.Reset(s.limit)
		}
	}
	s.mu.Unlock()
}

func (s *streamWriter) end() {
	s.mu.Lock()
	s.since = time.Time{}
	s.mu.Unlock()
}

// check runs on the timer: it resets the stream if a write has waited
// for limit, and otherwise sleeps until one could have.
func (s *streamWriter) check() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.since.IsZero() {
		s.armed = false
		return
	}
	if left := s.limit - time.Since(s.since); left > 0 {
		s.timer.Reset(left)
		return
	}
	s.armed = false
	// A deadline in the past resets the stream at once; the waiting
	// Write returns an error. Only while a Write waits, so the stream
	// is still the handler's.
	http.NewResponseController(s.ResponseWriter).SetWriteDeadline(time.Now().Add(-time.Second))
	s.log.Info().Float64("no_progress_seconds", s.limit.Seconds()).
		Msg("client accepted no response data for the no-progress limit (send_timeout, client_socket_timeout); HTTP/2 stream reset")
}

// stop ends the clock when the handler returns, and bounds net/http's
// last flush of the stream by a write deadline of limit from now (unless
// an earlier deadline already bounds it). net/http's HTTP/2 server resets
// a stream whose deadline passes, and its waiting flush returns.
//
// The deadline is set through the connection's goroutine, which may
// process it after the stream has already ended; without write_timeout
// it then starts a timer for a stream that is gone, and net/http sends
// one redundant RST_STREAM for it after limit, which clients ignore
// (RFC 9113 §5.4.2).
func (s *streamWriter) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.timer != nil {
		s.timer.Stop()
	}
	s.armed = true // no later begin rearms it
	if dl := time.Now().Add(s.limit); s.hard.IsZero() || dl.Before(s.hard) {
		http.NewResponseController(s.ResponseWriter).SetWriteDeadline(dl)
	}
}

// answerServerOptions answers "OPTIONS *", a question about the server
// rather than a resource, as net/http's own handler for it does: 200,
// no body, and at most 4 KB of the request's body read. net/http's
// handler is turned off (DisableGeneralOptionsHandler) so that this
// answer, like every other, carries the request id and is logged.
func answerServerOptions(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "0")
	if r.ContentLength != 0 {
		io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, 4<<10))
	}
	w.WriteHeader(http.StatusOK)
}

func headerTooLong(w http.ResponseWriter, name string, n, maxLine int) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Connection", "close")
	w.WriteHeader(http.StatusRequestHeaderFieldsTooLarge)
	fmt.Fprintf(w, "431 Request Header Fields Too Large: the %s header line is %d bytes; this server accepts at most %d (max_header_line)\n", name, n, maxLine)
}

func headersTooLarge(w http.ResponseWriter, n, max int) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Connection", "close")
	w.WriteHeader(http.StatusRequestHeaderFieldsTooLarge)
	fmt.Fprintf(w, "431 Request Header Fields Too Large: the request line and headers are %d bytes; this server accepts at most %d (max_header_size)\n", n, max)
}

func poolFull(w http.ResponseWriter, n int) {
	w.Header().Set("Retry-After", "1")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusServiceUnavailable)
	fmt.Fprintf(w, "503 Service Unavailable: this server is already serving %d requests (wsgi_default_pool_size); retry shortly\n", n)
}

// answerPanic logs a panic with its stack and answers 500; the body
// carries the panic only with debugBody (wsgi_server_debug). The panic
// value is masked as redact.Text masks it, in both.
func answerPanic(w http.ResponseWriter, r *http.Request, p any, debugBody bool) {
	if p == http.ErrAbortHandler {
		panic(p)
	}
	stack := debug.Stack()
	// The panic value is often an error that quotes a connection URL.
	msg := redact.Text(fmt.Sprint(p))
	hlog.FromRequest(r).Error().Str("panic", msg).Bytes("stack", stack).Msg("request panicked")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Connection", "close")
	w.WriteHeader(http.StatusInternalServerError)
	if debugBody {
		fmt.Fprintf(w, "500 Internal Server Error\n\npanic: %s\n\n%s", msg, stack)
		return
	}
	fmt.Fprintln(w, "500 Internal Server Error")
}
