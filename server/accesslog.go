package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/redact"
)

// accessLog logs one line per request: the message is oslo's
// wsgi_log_format template filled in, and the same values are fields
// (client_ip, client_port, request_line, status_code, body_length,
// wall_seconds) for machines. The query string is left out of the request
// line: it can carry tokens; the path's secret parameters
// ("/x;password=pw") are masked (redact.URL).
//
// It runs on every request and allocates nothing of its own: the
// template is compiled once, the line is appended to a buffer in the
// request's state (requestState), without reflection or maps, and its
// writer, which counts the status and the body's bytes, is in the state
// too. The line goes to the server's logger, whose writer (LogWriter, in
// the binary) takes it off the request path.
//
// A request that did not come through requestLogger (a test's) is
// logged to the logger in its context (zerolog.Ctx), at the cost of a
// writer and a buffer.
func accessLog(format string, next http.Handler) http.Handler {
	t := parseLogFormat(format)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s := stateOf(r)
		var aw *accessWriter
		if s != nil {
			aw = &s.access
		} else {
			aw = new(accessWriter)
		}
		aw.ResponseWriter = w
		// Deferred, so that a request whose handler panics through
		// (http.ErrAbortHandler) is logged too.
		defer t.log(s, r, aw, start)
		next.ServeHTTP(aw, r)
	})
}

// log writes r's access line.
func (t logTemplate) log(s *requestState, r *http.Request, aw *accessWriter, start time.Time) {
	took := time.Since(start)
	var buf []byte
	var e *zerolog.Event
	if s != nil {
		buf = s.line[:0]
		e = s.log.Event(zerolog.InfoLevel)
	} else {
		buf = make([]byte, 0, 192)
		e = zerolog.Ctx(r.Context()).Info()
	}
	if e == nil { // the level is off
		return
	}
	ip, port := splitRemote(r.RemoteAddr)
	buf = append(buf, r.Method...)
	buf = append(buf, ' ')
	buf = append(buf, redact.URL(r.URL.EscapedPath())...)
	buf = append(buf, ' ')
	buf = append(buf, r.Proto...)
	line := bytesString(buf)
	n := len(buf)
	buf = t.append(buf, accessFields{ip, port, line, aw.status, aw.size, took})
	e.Str("client_ip", ip).Str("client_port", port).
		Str("request_line", line).
		Int("status_code", aw.status).Int("body_length", aw.size).
		Float64("wall_seconds", took.Seconds()).
		Msg(bytesString(buf[n:]))
}

// bytesString is b as a string, without a copy. The access log makes
// strings so only of bytes in its buffer that it never writes again:
// the buffer is the request's (requestState.line), and what an append
// moves to a new array leaves the old one as it was.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

type accessFields struct {
	ip, port, line string
	status, size   int
	took           time.Duration
}

// logTemplate is an oslo wsgi_log_format template, parsed once, at
// start: text and the fields between it.
type logTemplate []logPiece

type logPiece struct {
	text  string
	field string
	prec  int
}

// parseLogFormat parses an oslo wsgi_log_format template. Unknown names
// are kept as written.
func parseLogFormat(format string) logTemplate {
	var pieces logTemplate
	for format != "" {
		i := strings.Index(format, "%(")
		j := -1
		if i >= 0 {
			j = strings.IndexByte(format[i:], ')')
		}
		if i < 0 || j < 0 {
			pieces = append(pieces, logPiece{text: format})
			break
		}
		pieces = append(pieces, logPiece{text: format[:i]})
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
		if prec < 0 && name == "wall_seconds" {
			prec = 6
		}
		pieces = append(pieces, logPiece{field: name, prec: prec})
		format = rest[k:]
	}
	return pieces
}

// append appends the template filled in with a to dst.
func (t logTemplate) append(dst []byte, a accessFields) []byte {
	for _, p := range t {
		switch p.field {
		case "":
			dst = append(dst, p.text...)
		case "client_ip":
			dst = append(dst, a.ip...)
		case "client_port":
			dst = append(dst, a.port...)
		case "date_time":
			dst = time.Now().UTC().AppendFormat(dst, "02/Jan/2006 15:04:05")
		case "request_line":
			dst = append(dst, a.line...)
		case "status_code":
			dst = strconv.AppendInt(dst, int64(a.status), 10)
		case "body_length":
			dst = strconv.AppendInt(dst, int64(a.size), 10)
		case "wall_seconds":
			dst = strconv.AppendFloat(dst, a.took.Seconds(), 'f', p.prec, 64)
		default:
			dst = append(dst, "%("...)
			dst = append(dst, p.field...)
			dst = append(dst, ')')
		}
	}
	return dst
}

// compileLogFormat is the template as a function, for the rare lines
// made outside a request's handler (the connection's own answers).
func compileLogFormat(format string) func(accessFields) string {
	t := parseLogFormat(format)
	return func(a accessFields) string { return string(t.append(nil, a)) }
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

// accessWriter counts what a handler writes for the access line: the
// status (the first final one; 0 if none was written) and the body's
// bytes.
//
// It offers what net/http's own writer does (Flush, Hijack, ReadFrom,
// and the deprecated CloseNotify), passing each on, and Unwrap, so that
// http.ResponseController reaches the connection's writer; ReadFrom
// keeps net/http's sendfile for static files. A writer underneath that
// cannot flush or be hijacked makes those a no-op and an error
// (http.ErrNotSupported), as ResponseController does.
type accessWriter struct {
	http.ResponseWriter
	status int
	size   int
}

// WriteHeader passes informational statuses (1xx) on, and the first
// final one; a later one is dropped, as a response has one status and
// net/http would log "superfluous WriteHeader" for it.
func (w *accessWriter) WriteHeader(code int) {
	if code < 200 && code >= 100 {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	if w.status == 0 {
		w.status = code
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *accessWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(p)
	w.size += n
	return n, err
}

func (w *accessWriter) ReadFrom(src io.Reader) (int64, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(writerOnly{w.ResponseWriter}, src)
	}
	w.size += int(n)
	return n, err
}

func (w *accessWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *accessWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := w.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, http.ErrNotSupported
}

// CloseNotify is http.CloseNotifier's, which net/http's HTTP/1 writer
// still offers; a writer without it gives a channel that never fires.
func (w *accessWriter) CloseNotify() <-chan bool {
	if cn, ok := w.ResponseWriter.(http.CloseNotifier); ok {
		return cn.CloseNotify()
	}
	return nil
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (w *accessWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
