package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/request"
)

// The server wraps every accepted connection in a wireConn, for two
// things net/http does not do:
//
//   - a client that accepts no bytes of a response for the no-progress
//     limit (send_timeout, or client_socket_timeout if lower) is cut, as
//     eventlet's socket timeout and nginx's send_timeout do, while a slow
//     download that keeps moving is never cut. net/http has only
//     WriteTimeout, a deadline for the whole response, which either cuts
//     long downloads or, at 0, lets a client that never reads hold its
//     pool slot forever.
//   - the answers net/http writes itself, before any handler runs (431
//     for a request past its header ceiling, 400 for a malformed one,
//     501, 505, and 417 for an Expect other than 100-continue), get an
//     x-openstack-request-id and an access log line like every other
//     response.
//
// It is per connection, not per request: one allocation at accept, and on
// each write a clock read (the socket's deadline is moved only once a step
// has passed, see wireConn.armed).
//
// Under TLS the wrapper sits below the TLS layer (ServeTLS wraps the
// listener it is given), which is right for the deadlines; net/http's own
// answers are then encrypted before the wrapper sees them, so over TLS
// they pass unchanged (docs/server.md, "Limits").
//
// A wireConn tells net/http's own answers from a handler's by when they
// are written, never by their bytes alone (a handler can write any
// bytes): the server's outermost handler (connTracker.outermost) marks
// the connection while a handler runs, and what is written between
// requests is net/http's. newServing sets that up; a server that serves
// wrapped connections without it gets the deadlines, and its first
// write on each connection looked at.
type wireListener struct {
	net.Listener
	w *wire
}

// wire is what every connection of one server shares.
type wire struct {
	// stall is the no-progress limit (0: none). Writes wait for the
	// client in steps of step (a quarter of stall), so a stalled client
	// is cut between stall and 1.25 × stall after its last byte.
	stall, step time.Duration
	stallErr    error

	log       zerolog.Logger
	assignID  bool
	accessLog bool
	render    func(accessFields) string
	maxHeader int // max_header_size, for net/http's own 431
}

// wrapListener returns ln with its connections wrapped as o says.
func wrapListener(ln net.Listener, o Options, log zerolog.Logger) net.Listener {
	return wireListener{ln, newWire(o, log)}
}

func newWire(o Options, log zerolog.Logger) *wire {
	stall := noProgressLimit(o)
	return &wire{
		stall: stall, step: stall / 4, stallErr: &stallError{stall},
		log: log, assignID: o.AssignRequestID, accessLog: o.AccessLog,
		render: compileLogFormat(o.LogFormat), maxHeader: o.MaxHeaderSize,
	}
}

// noProgressLimit is the lower of send_timeout and client_socket_timeout,
// 0 for no limit when both are 0.
func noProgressLimit(o Options) time.Duration {
	d := o.SendTimeout
	if c := o.ClientSocketTimeout; c > 0 && (d == 0 || c < d) {
		d = c
	}
	return d
}

func (l wireListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &wireConn{Conn: c, w: l.w}, nil
}

// wireConn is one accepted connection; see wireListener.
type wireConn struct {
	net.Conn
	w *wire
	// hard is the write deadline net/http or a handler set (WriteTimeout,
	// ResponseController.SetWriteDeadline), in Unix nanoseconds, 0 for
	// none. The no-progress steps never go past it.
	hard atomic.Int64
	// armed is the write deadline on the socket, in Unix nanoseconds.
	// Writes re-arm it only once it has passed, not each time: setting a
	// deadline costs a timer change (and a wake-up of the poller) that a
	// small response would otherwise pay on every write. A deadline that
	// comes sooner than a step only costs a retry.
	armed atomic.Int64
	// dl orders the changes to hard, armed and the socket's deadline: a
	// handler that aborts a stuck write from another goroutine, with a
	// deadline in the past, must not have it overwritten by a step's
	// (arm) computed a moment before.
	dl    sync.Mutex
	cut   atomic.Bool      // the client stalled; every later write fails
	lr    io.LimitedReader // ReadFrom's, kept here so it is not allocated per call
	phase atomic.Int32     // see the phase constants
	// tracked is the connection's entry in the server's connTracker,
	// kept here so that a request's state changes need no map look-up.
	tracked trackedConn
	// state is the connection's context and its HTTP/1 requests' state
	// (connContext), here so that it is allocated with the connection.
	state connState
}

// A wireConn's phase says whose bytes a write carries. net/http runs a
// connection's handlers one at a time, on the connection's goroutine,
// and after each one flushes the response and clears the write deadline
// (server.go, conn.serve: finishRequest, then SetWriteDeadline(time.Time{})).
// So:
//
//	phaseIdle       between requests (and before the first): a write is
//	                an answer net/http makes itself, and is looked at
//	phaseOwn        net/http is writing such an answer
//	phaseHandler    a handler runs; a clear of the write deadline now is
//	                the handler's (ResponseController) and changes nothing
//	phaseFinishing  the handler returned and net/http flushes what it
//	                wrote; net/http's clear of the deadline ends it
//	phaseOpaque     never looked at again: encrypted (TLS) or hijacked
const (
	phaseIdle int32 = iota
	phaseOwn
	phaseHandler
	phaseFinishing
	phaseOpaque
)

// wireConnKey is the request context key of the request's *wireConn (set
// by connContext, for connections wireConn sees in plain text).
type wireConnKey struct{}

// connContext is the server's ConnContext: the connection's context is
// its connState, which gives the requests of a plain connection its
// *wireConn and holds its HTTP/1 requests' state (requestLogger). An
// encrypted connection is made opaque, since what the wrapper sees of it
// is TLS records, and its context answers no *wireConn. It costs no
// allocation: the connState is the wireConn's.
func connContext(ctx context.Context, c net.Conn) context.Context {
	switch c := c.(type) {
	case *wireConn:
		c.state.Context, c.state.wc = ctx, c
		return &c.state
	case *tls.Conn:
		if wc, ok := c.NetConn().(*wireConn); ok {
			wc.phase.Store(phaseOpaque)
			wc.state.Context, wc.state.wc = ctx, nil
			return &wc.state
		}
	}
	return ctx
}

// inHandler marks r's connection as in a handler, and returns its
// wireConn, whose handlerDone must be called when the handler returns;
// nil for a request without one (TLS, HTTP/2), for which it does
// nothing.
//
// An h2c stream (HTTP/2 without TLS) comes with its connection's
// wireConn too: its connection is made opaque, since its bytes are
// frames of many streams, and marked HTTP/2, so that a drain leaves it
// to Shutdown's GOAWAY.
func inHandler(r *http.Request) *wireConn {
	c, _ := r.Context().Value(wireConnKey{}).(*wireConn)
	if c == nil {
		return nil
	}
	if r.ProtoMajor != 1 {
		if c.phase.Load() != phaseOpaque {
			c.phase.Store(phaseOpaque)
			c.tracked.proto.Store(protoHTTP2)
		}
		return nil
	}
	c.phase.Store(phaseHandler)
	return c
}

// asWireConn returns the wireConn under c: c itself, or what a *tls.Conn
// wraps; nil for any other connection.
func asWireConn(c net.Conn) *wireConn {
	switch c := c.(type) {
	case *wireConn:
		return c
	case *tls.Conn:
		wc, _ := c.NetConn().(*wireConn)
		return wc
	}
	return nil
}

// handlerDone ends what inHandler began, unless the connection was
// hijacked meanwhile.
func (c *wireConn) handlerDone() {
	c.phase.CompareAndSwap(phaseHandler, phaseFinishing)
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// SetWriteDeadline records the deadline net/http or a handler sets. With
// a no-progress limit the socket keeps the steps' deadline, replaced now
// only by one that comes sooner; the next step stops at it. A clear of
// the deadline after a handler returned is net/http's end of the
// response (see phaseFinishing).
func (c *wireConn) SetWriteDeadline(t time.Time) error {
	h := unixNano(t)
	if h == 0 && c.phase.Load() == phaseFinishing {
		c.phase.CompareAndSwap(phaseFinishing, phaseIdle)
	}
	if c.w.stall <= 0 {
		return c.Conn.SetWriteDeadline(t)
	}
	c.dl.Lock()
	defer c.dl.Unlock()
	c.hard.Store(h)
	if h != 0 && h < c.armed.Load() {
		c.armed.Store(h)
		return c.Conn.SetWriteDeadline(t)
	}
	return nil
}

func (c *wireConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// NetConn returns the connection underneath, as tls.Conn's does, so that
// what needs the socket itself (the drain's look for unread bytes,
// unreadBytes) finds it.
func (c *wireConn) NetConn() net.Conn { return c.Conn }

// CloseWrite keeps net/http's half-close before it hangs up on a client
// (closeWriteAndWait), which it looks for on the connection.
func (c *wireConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *wireConn) Write(p []byte) (int, error) {
	if c.phase.Load() == phaseIdle && c.phase.CompareAndSwap(phaseIdle, phaseOwn) {
		if line, body, ok := ownError(p); ok {
			return c.answerOwnError(p, line, body)
		}
		if expectationFailed(p) {
			return c.answerExpectationFailed(p)
		}
	}
	return c.write(p)
}

// write writes p, waiting for the client in steps and giving up when a
// whole no-progress limit has passed without it accepting a byte.
func (c *wireConn) write(p []byte) (int, error) {
	if c.w.stall <= 0 {
		return c.Conn.Write(p)
	}
	if c.cut.Load() {
		return 0, c.w.stallErr
	}
	now := time.Now()
	last := now // when the client last took bytes, as far as we know
	if c.armed.Load() <= now.UnixNano() {
		c.arm(now)
	}
	written := 0
	for {
		n, err := c.Conn.Write(p[written:])
		written += n
		if err == nil {
			return written, nil
		}
		var again bool
		if again, err = c.again(int64(n), err, &now, &last); !again {
			return written, err
		}
	}
}

// arm sets the write deadline for the next step from now, or the hard
// deadline if that comes sooner.
func (c *wireConn) arm(now time.Time) {
	c.dl.Lock()
	defer c.dl.Unlock()
	dl := now.Add(c.w.step).UnixNano()
	if h := c.hard.Load(); h != 0 && h < dl {
		dl = h
	}
	c.armed.Store(dl)
	c.Conn.SetWriteDeadline(time.Unix(0, dl))
}

// again decides, after a write step ended with err having written n
// bytes, whether to take another step. A step that timed out is progress
// if it wrote anything; the client has stalled when none did for the
// whole limit. A deadline set by net/http or the handler ends the write
// with its own error.
func (c *wireConn) again(n int64, err error, now, last *time.Time) (bool, error) {
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return false, err
	}
	*now = time.Now()
	if h := c.hard.Load(); h != 0 && now.UnixNano() >= h {
		return false, err
	}
	if n > 0 {
		*last = *now
		c.arm(*now)
		return true, nil
	}
	if now.Sub(*last) < c.w.stall {
		c.arm(*now)
		return true, nil
	}
	c.cut.Store(true)
	slowHTTP1Cut.Inc()
	ip, port := splitRemote(c.RemoteAddr().String())
	c.w.log.Info().Str("client_ip", ip).Str("client_port", port).Float64("no_progress_seconds", c.w.stall.Seconds()).
		Msg("client accepted no response data for the no-progress limit (send_timeout, client_socket_timeout); connection closed")
	c.Conn.Close()
	return false, c.w.stallErr
}

// ReadFrom keeps sendfile for static files (net/http's response.ReadFrom
// hands the file to the connection): the kernel sends from the file's
// offset and advances it only by what went out, so a step that times out
// loses nothing and the next one goes on. On a file system without
// sendfile, net copies through a buffer instead, and a step that times
// out has read more of the file than it sent: the file is sought back by
// the difference and the rest copied through Write. Anything else is
// copied through Write.
func (c *wireConn) ReadFrom(src io.Reader) (int64, error) {
	rf, ok := c.Conn.(io.ReaderFrom)
	if !ok {
		return copyThrough(c, src)
	}
	if c.w.stall <= 0 {
		return rf.ReadFrom(src)
	}
	lr, limited := src.(*io.LimitedReader)
	inner := src
	if limited {
		inner = lr.R
	}
	f, file := inner.(*os.File)
	if !file {
		return copyThrough(c, src)
	}
	if c.cut.Load() {
		return 0, c.w.stallErr
	}
	if !limited {
		c.lr = io.LimitedReader{R: src, N: math.MaxInt64}
		lr = &c.lr
		defer func() { c.lr.R = nil }()
	}
	now := time.Now()
	last := now
	if c.armed.Load() <= now.UnixNano() {
		c.arm(now)
	}
	var written int64
	for {
		before := lr.N
		n, err := rf.ReadFrom(lr)
		written += n
		if err == nil {
			return written, nil
		}
		lost := before - lr.N - n
		var again bool
		if again, err = c.again(n, err, &now, &last); !again {
			return written, err
		}
		if lost != 0 {
			// net fell back to copying through a buffer (the file's
			// file system has no sendfile), and what it read but did not
			// send is gone from the file's offset: it is put back, and
			// the rest goes through Write, in steps, as any other body.
			if _, serr := f.Seek(-lost, io.SeekCurrent); serr != nil {
				return written, err
			}
			lr.N += lost
			m, err := copyThrough(c, lr)
			return written + m, err
		}
	}
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// copyThrough copies src to c through c.Write, with a pooled buffer
// (net's own fallback allocates one per call).
func copyThrough(c *wireConn, src io.Reader) (int64, error) {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	return io.CopyBuffer(writerOnly{c}, src, *bp)
}

// writerOnly hides wireConn's ReadFrom from io.CopyBuffer.
type writerOnly struct{ io.Writer }

// stallError is the error of a write to a client that stopped accepting
// data. It is a timeout, as a deadline's error is.
type stallError struct{ limit time.Duration }

func (e *stallError) Error() string {
	return "write: the client accepted no data for " + e.limit.String() + " (send_timeout, client_socket_timeout)"
}
func (e *stallError) Timeout() bool   { return true }
func (e *stallError) Temporary() bool { return true }
func (e *stallError) Unwrap() error   { return os.ErrDeadlineExceeded }

// ownErrorHeaders follow the status line of every error response net/http
// writes itself (server.go, errorHeaders). Only a write made while the
// connection is between requests (phaseIdle) is looked at, so a handler's
// bytes, whatever they are, never are.
const ownErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// ownError reports whether p, an answer net/http writes itself, is one of
// its error responses, with its status line and body. Those are short,
// in one write, and start with an error status line and ownErrorHeaders.
func ownError(p []byte) (line, body []byte, ok bool) {
	if len(p) < 13 || len(p) > 512 || p[9] < '4' || string(p[:9]) != "HTTP/1.1 " {
		return nil, nil, false
	}
	i := bytes.Index(p, []byte("\r\n"))
	if i < 0 || !bytes.HasPrefix(p[i:], []byte(ownErrorHeaders)) {
		return nil, nil, false
	}
	return p[:i], p[i+len(ownErrorHeaders):], true
}

// expectationFailed reports whether p, an answer net/http writes itself,
// is the 417 it gives a request whose Expect is not 100-continue
// (server.go, sendExpectationFailed). It goes through net/http's response
// writer, so it looks like a handler's response; that no handler ran is
// what the connection's phase says.
func expectationFailed(p []byte) bool {
	return len(p) <= 512 && len(p) >= 9 && bytes.HasPrefix(p, []byte("HTTP/1.")) &&
		bytes.HasPrefix(p[8:], []byte(" 417 Expectation Failed\r\n"))
}

// answerExpectationFailed writes net/http's own 417 p with a request id
// after its status line, and logs it as an access line.
func (c *wireConn) answerExpectationFailed(p []byte) (int, error) {
	i := bytes.Index(p, []byte("\r\n"))
	var b bytes.Buffer
	b.Write(p[:i+2])
	id := c.logOwnAnswer(http.StatusExpectationFailed, 0, "417 Expectation Failed")
	if id != "" {
		b.WriteString(request.IDHeader + ": " + id + "\r\n")
	}
	b.Write(p[i+2:])
	if _, err := c.write(b.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// answerOwnError writes net/http's error response p with a request id,
// and logs it as an access line. A 431 here is a request past net/http's
// ceiling (headerCeiling); the body says which
// option to raise, as the guard's does.
func (c *wireConn) answerOwnError(p, line, body []byte) (int, error) {
	status, _ := strconv.Atoi(string(line[9:12]))
	var b bytes.Buffer
	b.Write(line)
	b.WriteString("\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n")
	if status == 431 {
		headerSizeRejections.Inc()
		body = []byte("431 Request Header Fields Too Large: the request line and headers are over " +
			strconv.Itoa(headerCeiling(c.w.maxHeader)) + " bytes; this server accepts at most " + strconv.Itoa(c.w.maxHeader) + " (max_header_size)\n")
	}
	if id := c.logOwnAnswer(status, len(body), string(line[9:])); id != "" {
		b.WriteString(request.IDHeader + ": " + id + "\r\n")
	}
	b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
	b.Write(body)
	if _, err := c.write(b.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// logOwnAnswer gives an answer net/http wrote by itself a request id
// (with assign_request_id) and logs it as an access line (with
// access_log). net/http read no request line a handler could see, so
// the line has none, and an error field that says what was answered. It
// returns the id, "" without one.
func (c *wireConn) logOwnAnswer(status, size int, what string) string {
	var id string
	if c.w.assignID {
		id = request.NewID()
	}
	if c.w.accessLog {
		ip, port := splitRemote(c.RemoteAddr().String())
		l := c.w.log
		if id != "" {
			l = l.With().Str("request_id", id).Logger()
		}
		l.Info().Str("client_ip", ip).Str("client_port", port).Str("request_line", "").
			Int("status_code", status).Int("body_length", size).Float64("wall_seconds", 0).
			Str("error", what).
			Msg(c.w.render(accessFields{ip: ip, port: port, status: status, size: size}))
	}
	return id
}
