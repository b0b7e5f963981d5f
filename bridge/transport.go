package bridge

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// transport is the bridge's http.RoundTripper to the pool's socket: one
// request at a time on each connection, written and read in the calling
// goroutine with net/http's own Request.Write and ReadResponse (no
// protocol code of the bridge's), and the connection kept for the next
// request once its response has been read to the end.
//
// Why not http.Transport: it serves each connection with two goroutines
// of its own, one writing requests and one reading responses, so that
// every request is handed from the handler's goroutine to the writer,
// and its response from the reader back to the handler: two wake-ups of
// the scheduler a request, futexes under load, which were a large part
// of what the bridge costs a request over a unix socket to gunicorn (a
// server that answers one request at a time on a connection anyway). A
// request with a body still has it written by a goroutine of its own,
// so that the app may answer before it has read it all (full duplex).
type transport struct {
	dial        func(ctx context.Context) (net.Conn, error)
	maxIdle     int
	idleTimeout time.Duration

	mu   sync.Mutex
	idle []*persistConn // the most recently used last
}

// persistConn is one connection to the pool, with its buffers.
type persistConn struct {
	t     *transport
	conn  net.Conn
	br    *bufio.Reader
	bw    *bufio.Writer
	timer *time.Timer // closes the connection once idle for idleTimeout
}

// bufSize is the size of a connection's read and write buffers: a
// request's or a response's head usually fits.
const bufSize = 4 << 10

// get returns an idle connection (reused) or a new one.
func (t *transport) get(ctx context.Context) (pc *persistConn, reused bool, err error) {
	t.mu.Lock()
	for len(t.idle) > 0 {
		pc := t.idle[len(t.idle)-1]
		t.idle = t.idle[:len(t.idle)-1]
		if pc.timer.Stop() {
			t.mu.Unlock()
			return pc, true, nil
		}
		// Its timer has fired: it is being closed.
	}
	t.mu.Unlock()
	c, err := t.dial(ctx)
	if err != nil {
		return nil, false, err
	}
	return &persistConn{t: t, conn: c, br: bufio.NewReaderSize(c, bufSize), bw: bufio.NewWriterSize(c, bufSize)}, false, nil
}

// put keeps pc for the next request, or closes it when enough are idle.
func (t *transport) put(pc *persistConn) {
	t.mu.Lock()
	if len(t.idle) >= t.maxIdle {
		t.mu.Unlock()
		pc.conn.Close()
		return
	}
	if pc.timer == nil {
		pc.timer = time.AfterFunc(t.idleTimeout, pc.expire)
	} else {
		pc.timer.Reset(t.idleTimeout)
	}
	t.idle = append(t.idle, pc)
	t.mu.Unlock()
}

// expire closes pc, idle for idleTimeout, and drops it from the idle
// list.
func (pc *persistConn) expire() {
	t := pc.t
	t.mu.Lock()
	for i, p := range t.idle {
		if p == pc {
			t.idle = append(t.idle[:i], t.idle[i+1:]...)
			break
		}
	}
	t.mu.Unlock()
	pc.conn.Close()
}

// CloseIdleConnections closes the connections no request is using.
func (t *transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, pc := range idle {
		pc.timer.Stop()
		pc.conn.Close()
	}
}

// RoundTrip sends req on a connection to the pool and returns its
// response, whose body gives the connection back once read to its end
// and closed. A request that finds that the pool has closed the idle
// connection it was sent on (a worker replaced) is sent again on a new
// one, under http.Transport's rule: when nothing of it was written, or
// when it is a request without a body that may be repeated (GET, HEAD,
// OPTIONS, TRACE) and nothing of an answer was read.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	for {
		pc, reused, err := t.get(req.Context())
		if err != nil {
			return nil, err
		}
		resp, err := pc.roundTrip(req)
		if err != nil && reused && errors.Is(err, errStale) && req.Context().Err() == nil {
			continue // a new connection: it cannot be stale
		}
		return resp, err
	}
}

// errStale is an idle connection that the pool had closed.
var errStale = errors.New("python bridge: the pool closed the connection")

// replayable reports whether req may be sent again after it was
// written to a connection that the pool had closed: it has no body and
// its method is idempotent, as http.Transport decides.
func replayable(req *http.Request) bool {
	if req.Body != nil && req.Body != http.NoBody {
		return false
	}
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

func (pc *persistConn) roundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	// A client that goes away ends the wait for the pool's answer.
	stop := context.AfterFunc(ctx, func() { pc.conn.SetDeadline(time.Unix(1, 0)) })
	fail := func(err error) (*http.Response, error) {
		stop()
		pc.conn.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	var wrote chan error
	var sent *sentBody
	if req.Body != nil && req.Body != http.NoBody {
		sent = &sentBody{ReadCloser: req.Body}
		r := *req // RoundTrip must not change req
		r.Body = sent
		wrote = make(chan error, 1)
		go func() {
			err := pc.write(&r)
			if err != nil {
				pc.conn.Close() // ends the wait for an answer too
			}
			wrote <- err
		}()
	} else if err := pc.write(req); err != nil {
		// Nothing reached the pool.
		return fail(fmt.Errorf("%w: %w", errStale, err))
	}
	resp, err := http.ReadResponse(pc.br, req)
	// An interim answer (100 Continue, 103 Early Hints) precedes the
	// answer; gunicorn sends none (Expect is not forwarded), but an
	// interim one must not be taken for the answer.
	for err == nil && resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
		resp, err = http.ReadResponse(pc.br, req)
	}
	if err != nil {
		if wrote == nil && replayable(req) && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) && pc.br.Buffered() == 0 {
			err = fmt.Errorf("%w: %w", errStale, err)
		}
		return fail(err)
	}
	resp.Body = &connBody{body: resp.Body, pc: pc, stop: stop, wrote: wrote, sent: sent, keep: !resp.Close}
	return resp, nil
}

// sentBody is a request's body, which says once it has been read to
// its end.
type sentBody struct {
	io.ReadCloser
	eof atomic.Bool
}

func (b *sentBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.eof.Store(true)
	}
	return n, err
}

// writerWait bounds the wait for the writer of a request's body that
// has been read to its end, to finish the request (its last chunk):
// the pool has answered, so it is reading, or does not need the rest.
const writerWait = time.Second

// write writes req to pc's connection, flushed.
func (pc *persistConn) write(req *http.Request) error {
	if err := req.Write(pc.bw); err != nil {
		return err
	}
	return pc.bw.Flush()
}

// connBody is a response's body. Read to its end and closed, it gives
// the connection back for the next request, if the request's body was
// written whole and the pool keeps the connection open; otherwise it
// closes the connection.
type connBody struct {
	body  io.ReadCloser
	pc    *persistConn
	stop  func() bool
	wrote chan error
	sent  *sentBody
	keep  bool
	eof   bool
	done  bool
}

func (b *connBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

func (b *connBody) Close() error {
	if b.done {
		return nil
	}
	b.done = true
	err := b.body.Close()
	keep := b.eof && b.keep && err == nil
	if !b.stop() {
		keep = false // the client went away: the deadline is set
	}
	if b.wrote != nil {
		select {
		case werr := <-b.wrote:
			keep = keep && werr == nil
		default:
			if keep && b.sent.eof.Load() {
				// The body is all read, and its writer is
				// finishing: wait, a bounded time, for the
				// connection.
				t := time.AfterFunc(writerWait, func() { b.pc.conn.Close() })
				werr := <-b.wrote
				keep = t.Stop() && werr == nil
			} else {
				// The app answered before the request's body
				// was all written: the connection goes, which
				// ends the writer (or the server's closing the
				// body after the handler returns does).
				keep = false
			}
		}
	}
	if keep {
		b.pc.t.put(b.pc)
	} else {
		b.pc.conn.Close()
	}
	return err
}
