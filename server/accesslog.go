package server

import (
	"bufio"
	"bytes"
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
// template is compiled once, the line is written into a buffer in the
// request's state (requestState), without reflection or maps, and its
// writer, which counts the status and the body's bytes, is in the state
// too. The line goes to the server's logger, whose writer (LogWriter, in
// the binary) takes it off the request path.
//
// The message is JSON-escaped once: the template's text when it is
// compiled, and the request's values, which are plain ASCII for every
// request net/http parses (a method is a token, a path is escaped, an
// address is digits, dots and colons), not at all; the request line is
// written once, for its field and the message. The message reaches the
// line through accessMessage, a hook of the request's logger (see
// requestLogger), after the logger's own hooks (the time), where zerolog
// writes a message. A request with a value that needs escaping (a test's)
// is logged the plain way, zerolog escaping each value.
//
// A request that did not come through requestLogger (a test's) is
// logged to the logger in its context (zerolog.Ctx), at the cost of a
// writer and a buffer.
func accessLog(format string, next http.Handler) http.Handler {
	t := parseLogFormat(format)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		began := time.Since(monoEpoch)
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
		defer t.log(s, r, aw, began)
		next.ServeHTTP(aw, r)
	})
}

// monoEpoch is what the access log measures a request's start from:
// time.Since of it reads only the monotonic clock, where time.Now reads
// the wall clock too, which the start does not need (the line's time is
// when the request ended). On a virtual machine that is 26 ns against 49.
var monoEpoch = time.Now()

// log writes r's access line; began is when the request began, since
// monoEpoch.
//
// On the usual path (the request's state, values that need no escaping)
// the line's own fields are written by hand into the request's buffer,
// already JSON, and handed to zerolog as one raw value: the first field's
// key is zerolog's to write, everything after it (the other keys, quoted
// and escaped once, as constants) is the value. That is zerolog's line
// byte for byte (TestAccessLineBytes) at the cost of one field, rather
// than of six, each of which has zerolog scan its key and value again for
// characters to escape.
func (t logTemplate) log(s *requestState, r *http.Request, aw *accessWriter, began time.Duration) {
	// One reading of the clock for the time the request took and the
	// line's time (requestState.LineTime): zerolog's, so that a test's
	// TimestampFunc still sets the line's time. A time without the
	// clock's monotonic reading (a test's fixed one) says nothing of how
	// long the request took: that is then read from the clock.
	end := zerolog.TimestampFunc()
	var took time.Duration
	if end != end.Round(0) {
		took = end.Sub(monoEpoch) - began
	} else {
		took = time.Since(monoEpoch) - began
	}
	start := end.Add(-took)
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
	if s != nil && jsonPlain(ip) && jsonPlain(port) {
		// The fields, from client_ip's value on, as JSON.
		buf = append(buf, '"')
		buf = append(buf, ip...)
		buf = append(buf, `","client_port":"`...)
		buf = append(buf, port...)
		buf = append(buf, `","request_line":"`...)
		l0 := len(buf)
		buf = appendRequestLine(buf, r)
		l1 := len(buf)
		if jsonPlainBytes(buf[l0:l1]) {
			buf = append(buf, `","status_code":`...)
			buf = strconv.AppendInt(buf, int64(aw.status), 10)
			buf = append(buf, `,"body_length":`...)
			buf = strconv.AppendInt(buf, int64(aw.size), 10)
			f := len(buf)
			buf = append(buf, `,"wall_seconds":`...)
			buf, short := appendWallSeconds(buf, took)
			if !short {
				buf = buf[:f]
			}
			n := len(buf)
			a := accessFields{ip, port, bytesString(buf[l0:l1]), aw.status, aw.size, took, start}
			buf = append(buf, '"')
			buf = t.appendJSON(buf, &a)
			buf = append(buf, '"')
			s.message = buf[n:]
			e.RawJSON("client_ip", buf[:n])
			if !short {
				e.Float64("wall_seconds", took.Seconds())
			}
			s.ended = end
			e.Ctx(s).Msg("") // accessMessage writes s.message
			s.message, s.ended = nil, time.Time{}
			return
		}
		buf = buf[:0]
	}
	// The plain way, zerolog escaping each value.
	buf = appendRequestLine(buf, r)
	n := len(buf)
	line := bytesString(buf)
	a := accessFields{ip, port, line, aw.status, aw.size, took, start}
	buf = t.append(buf, &a)
	e.Str("client_ip", ip).Str("client_port", port).
		Str("request_line", line).
		Int("status_code", aw.status).Int("body_length", aw.size).
		Float64("wall_seconds", took.Seconds()).
		Msg(bytesString(buf[n:]))
}

// appendRequestLine appends r's request line, its path's secret
// parameters masked (redact.URL) and without the query, which can carry
// tokens.
func appendRequestLine(dst []byte, r *http.Request) []byte {
	dst = append(dst, r.Method...)
	dst = append(dst, ' ')
	dst = append(dst, redact.URL(r.URL.EscapedPath())...)
	dst = append(dst, ' ')
	return append(dst, r.Proto...)
}

// appendWallSeconds appends d in seconds as zerolog's Float64 writes
// d.Seconds() (strconv's shortest 'f' form, zerolog.FloatingPointPrecision
// -1) and reports true, when it can tell the digits without the float: d
// from 1 µs to under 1 s, whose float is the division of its
// nanoseconds by 1e9, correctly rounded, and whose nine decimals are
// then the shortest form that reads back as it (a double holds 15
// digits), so "0." and them without trailing zeros. Otherwise it
// appends nothing and reports false (TestWallSecondsIsZerologs).
func appendWallSeconds(dst []byte, d time.Duration) ([]byte, bool) {
	if d < time.Microsecond || d >= time.Second || zerolog.FloatingPointPrecision != -1 {
		return dst, false
	}
	var digits [9]byte
	ns := int64(d)
	for i := 8; i >= 0; i-- {
		digits[i] = byte('0' + ns%10)
		ns /= 10
	}
	end := 9
	for digits[end-1] == '0' {
		end--
	}
	dst = append(dst, '0', '.')
	return append(dst, digits[:end]...), true
}

// accessMessage is the hook requestLogger adds to the server's logger
// for its requests' loggers: on the access line's event, whose context
// is the request's state (Event.Ctx), it writes the message the access
// log has made, already JSON-escaped, as zerolog writes a message: after
// the other hooks, under MessageFieldName. On any other line it does
// nothing.
type accessMessage struct{}

func (accessMessage) Run(e *zerolog.Event, _ zerolog.Level, msg string) {
	if s, ok := e.GetCtx().(*requestState); ok && msg == "" && len(s.message) > len(`""`) {
		e.RawJSON(zerolog.MessageFieldName, s.message)
	}
}

// jsonPlain reports whether s is written in JSON as it is: printable
// ASCII but for '"' and '\', which zerolog's encoder copies unchanged.
func jsonPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// jsonPlainBytes is jsonPlain of b.
func jsonPlainBytes(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// jsonEscaped is s as zerolog writes it in a JSON string, without the
// quotes: zerolog's own encoder, for the template's text, once.
func jsonEscaped(s string) string {
	var b bytes.Buffer
	l := zerolog.New(&b)
	l.Log().Str("s", s).Send()
	out := b.String()
	return out[len(`{"s":"`) : len(out)-len(`"}`+"\n")]
}

// bytesString is b as a string, without a copy. The access log makes
// strings so only of bytes in its buffer that it does not write again
// until the line is written: the buffer is the request's
// (requestState.line, or one of its own), and what an append moves to
// a new array leaves the old one as it was.
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
	start          time.Time // date_time is start+took
}

// logTemplate is an oslo wsgi_log_format template, parsed once, at
// start: text and the fields between it.
type logTemplate []logPiece

type logPiece struct {
	kind pieceKind
	// text is the text (pieceText), or for an unknown field what is
	// written for it ("%(name)"); esc is it JSON-escaped.
	text, esc string
	prec      int
}

// pieceKind is what a logPiece writes.
type pieceKind uint8

const (
	pieceText pieceKind = iota
	pieceClientIP
	pieceClientPort
	pieceDateTime
	pieceRequestLine
	pieceStatusCode
	pieceBodyLength
	pieceWallSeconds
	pieceUnknown
)

var pieceKinds = map[string]pieceKind{
	"client_ip": pieceClientIP, "client_port": pieceClientPort, "date_time": pieceDateTime,
	"request_line": pieceRequestLine, "status_code": pieceStatusCode, "body_length": pieceBodyLength,
	"wall_seconds": pieceWallSeconds,
}

// parseLogFormat parses an oslo wsgi_log_format template. Unknown names
// are kept as written.
func parseLogFormat(format string) logTemplate {
	var pieces logTemplate
	text := func(s string) {
		if s != "" {
			pieces = append(pieces, logPiece{kind: pieceText, text: s, esc: jsonEscaped(s)})
		}
	}
	for format != "" {
		i := strings.Index(format, "%(")
		j := -1
		if i >= 0 {
			j = strings.IndexByte(format[i:], ')')
		}
		if i < 0 || j < 0 {
			text(format)
			break
		}
		text(format[:i])
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
		p := logPiece{kind: pieceUnknown, prec: prec}
		if kind, ok := pieceKinds[name]; ok {
			p.kind = kind
		} else {
			p.text = "%(" + name + ")"
			p.esc = jsonEscaped(p.text)
		}
		pieces = append(pieces, p)
		format = rest[k:]
	}
	return pieces
}

// append appends the template filled in with a to dst.
func (t logTemplate) append(dst []byte, a *accessFields) []byte {
	for i := range t {
		p := &t[i]
		switch p.kind {
		case pieceText, pieceUnknown:
			dst = append(dst, p.text...)
		default:
			dst = p.appendValue(dst, a)
		}
	}
	return dst
}

// appendJSON is append with the template's text JSON-escaped, for a
// whose ip, port and line are plain (jsonPlain): the message as zerolog
// writes it between its quotes.
func (t logTemplate) appendJSON(dst []byte, a *accessFields) []byte {
	for i := range t {
		p := &t[i]
		switch p.kind {
		case pieceText, pieceUnknown:
			dst = append(dst, p.esc...)
		default:
			dst = p.appendValue(dst, a)
		}
	}
	return dst
}

// appendValue appends the value of a field piece, which needs no JSON
// escaping when a's strings need none.
func (p *logPiece) appendValue(dst []byte, a *accessFields) []byte {
	switch p.kind {
	case pieceClientIP:
		dst = append(dst, a.ip...)
	case pieceClientPort:
		dst = append(dst, a.port...)
	case pieceDateTime:
		dst = a.start.Add(a.took).UTC().AppendFormat(dst, "02/Jan/2006 15:04:05")
	case pieceRequestLine:
		dst = append(dst, a.line...)
	case pieceStatusCode:
		dst = strconv.AppendInt(dst, int64(a.status), 10)
	case pieceBodyLength:
		dst = strconv.AppendInt(dst, int64(a.size), 10)
	case pieceWallSeconds:
		dst = appendSeconds(dst, a.took, p.prec)
	}
	return dst
}

// appendSeconds appends d in seconds with prec decimals, as
// strconv.AppendFloat(dst, d.Seconds(), 'f', prec, 64) does, byte for
// byte, with integer arithmetic where that gives the same digits: d's
// nanoseconds rounded to prec decimals, unless they fall exactly half
// way, where the float's own rounding decides (the float of d.Seconds()
// is a little above or below the half). Anything else (prec over 9, d
// negative or over a day) is strconv's.
func appendSeconds(dst []byte, d time.Duration, prec int) []byte {
	if prec < 0 || prec > 9 || d < 0 || d > 24*time.Hour {
		return strconv.AppendFloat(dst, d.Seconds(), 'f', prec, 64)
	}
	unit := pow10[9-prec]
	ns := int64(d)
	q, r := ns/unit, ns%unit
	switch {
	case unit > 1 && 2*r == unit:
		return strconv.AppendFloat(dst, d.Seconds(), 'f', prec, 64)
	case 2*r > unit:
		q++
	}
	scale := pow10[prec]
	dst = strconv.AppendInt(dst, q/scale, 10)
	if prec == 0 {
		return dst
	}
	// The decimals, from the last: a division by the constant 10 is a
	// multiplication, where one by a variable power of ten is a
	// division, and an access line has seven of them.
	var digits [9]byte
	frac := q % scale
	for i := prec - 1; i >= 0; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	dst = append(dst, '.')
	return append(dst, digits[:prec]...)
}

// pow10 is 10^i for the decimals appendSeconds writes.
var pow10 = [10]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000}

// compileLogFormat is the template as a function, for the rare lines
// made outside a request's handler (the connection's own answers).
func compileLogFormat(format string) func(accessFields) string {
	t := parseLogFormat(format)
	return func(a accessFields) string { return string(t.append(nil, &a)) }
}

// splitRemote splits a RemoteAddr into its host, without brackets, and
// port; an address without a port that strconv.Atoi reads is the host
// alone. The usual address (digits for a port) is read byte by byte:
// strings.Trim would make its set of brackets on every request.
func splitRemote(addr string) (ip, port string) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return addr, ""
	}
	port = addr[i+1:]
	if !allDigits(port) {
		if _, err := strconv.Atoi(port); err != nil {
			return addr, ""
		}
	}
	ip = addr[:i]
	for len(ip) > 0 && (ip[0] == '[' || ip[0] == ']') {
		ip = ip[1:]
	}
	for len(ip) > 0 && (ip[len(ip)-1] == '[' || ip[len(ip)-1] == ']') {
		ip = ip[:len(ip)-1]
	}
	return ip, port
}

// allDigits reports whether s is 1 to 18 ASCII digits, which
// strconv.Atoi reads whatever they are.
func allDigits(s string) bool {
	if len(s) == 0 || len(s) > 18 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
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
