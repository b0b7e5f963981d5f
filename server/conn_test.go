package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/request"
)

// The error responses net/http writes itself are recognised, and no
// response a handler makes is taken for one.
func TestOwnError(t *testing.T) {
	const h = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
	for _, p := range []string{
		// server.go's formats, as net/http writes them
		"HTTP/1.1 431 Request Header Fields Too Large" + h + "431 Request Header Fields Too Large",
		"HTTP/1.1 400 Bad Request" + h + "400 Bad Request",
		"HTTP/1.1 501 Not Implemented" + h + "Unsupported transfer encoding",
		"HTTP/1.1 400 Bad Request: missing required Host header" + h + "400 Bad Request: missing required Host header",
	} {
		if line, body, ok := ownError([]byte(p)); !ok || !strings.HasPrefix(p, string(line)) || !strings.HasSuffix(p, string(body)) {
			t.Errorf("not recognised: %q", p)
		}
	}
	// A handler's answer with the same fields: net/http sorts them and
	// adds Date.
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Connection", "close")
		w.WriteHeader(431)
		io.WriteString(w, "431 Request Header Fields Too Large")
	}))
	defer rec.Close()
	conn, err := net.Dial("tcp", rec.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	out, _ := io.ReadAll(conn)
	if _, _, ok := ownError(out); ok || !bytes.HasPrefix(out, []byte("HTTP/1.1 431")) {
		t.Errorf("a handler's 431 taken for net/http's own:\n%s", out)
	}
}

// stallServer serves, through wrapListener, a handler that writes 64 MB
// to a client that reads nothing, and returns how long the handler's
// writes went on and the error that ended them.
func stallServer(t *testing.T, o Options, writeTimeout time.Duration) (time.Duration, error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		took time.Duration
		err  error
	}
	done := make(chan result, 1)
	srv := &http.Server{WriteTimeout: writeTimeout, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		began := time.Now()
		buf := make([]byte, 32<<10)
		for i := 0; i < 2048; i++ {
			if _, err := w.Write(buf); err != nil {
				done <- result{time.Since(began), err}
				return
			}
		}
		done <- result{time.Since(began), nil}
	})}
	go srv.Serve(wrapListener(ln, o, zerolog.Nop()))
	defer srv.Close()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	conn, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	select {
	case r := <-done:
		return r.took, r.err
	case <-time.After(20 * time.Second):
		t.Fatal("the handler's writes never failed")
		return 0, nil
	}
}

// The no-progress limit and write_timeout both hold, each with its own
// error; the limit's is a timeout, as a deadline's is.
func TestNoProgressLimitAndWriteTimeout(t *testing.T) {
	o := Defaults()
	o.SendTimeout = 400 * time.Millisecond
	took, err := stallServer(t, o, 10*time.Second)
	var ne net.Error
	if took < 400*time.Millisecond || took > 3*time.Second || !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) ||
		!strings.Contains(err.Error(), "accepted no data for 400ms") {
		t.Errorf("send_timeout 0.4 s: writes failed after %s with %v; want a timeout after 0.4-0.5 s", took, err)
	}
	o.SendTimeout = 5 * time.Second
	took, err = stallServer(t, o, 300*time.Millisecond)
	if took > 3*time.Second || err == nil || strings.Contains(err.Error(), "accepted no data") {
		t.Errorf("write_timeout 0.3 s, send_timeout 5 s: writes failed after %s with %v; want write_timeout's deadline", took, err)
	}
	o.SendTimeout, o.ClientSocketTimeout = 0, 0
	if got := noProgressLimit(o); got != 0 {
		t.Errorf("no limit configured, got %s", got)
	}
	o.SendTimeout, o.ClientSocketTimeout = 30*time.Second, 900*time.Second
	if got := noProgressLimit(o); got != 30*time.Second {
		t.Errorf("defaults: %s, want 30s", got)
	}
	o.SendTimeout, o.ClientSocketTimeout = 0, 2*time.Second
	if got := noProgressLimit(o); got != 2*time.Second {
		t.Errorf("send_timeout 0, client_socket_timeout 2: %s", got)
	}
}

// BenchmarkWire is one keep-alive request and response over loopback,
// with the listener as net gives it and wrapped (the no-progress limit
// on, as by default), so that the cost of the wrapper shows.
// Run: go test ./server -run - -bench Wire -benchmem
func BenchmarkWire(b *testing.B) {
	for _, wrapped := range []bool{false, true} {
		b.Run(map[bool]string{false: "net", true: "wrapped"}[wrapped], func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			// The timeouts pasteserve sets by default: net/http sets read
			// deadlines on every request for them.
			srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 900 * time.Second, IdleTimeout: 900 * time.Second,
				Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					io.WriteString(w, "hello\n")
				})}
			var l net.Listener = ln
			if wrapped {
				l = wrapListener(ln, Defaults(), zerolog.Nop())
			}
			go srv.Serve(l)
			defer srv.Close()
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			r := bufio.NewReader(conn)
			req := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			b.ReportAllocs()
			for b.Loop() {
				conn.Write(req)
				resp, err := http.ReadResponse(r, nil)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}

// A body that holds net/http's error response, even where a write to the
// connection starts, goes out as it is, through the server's real layers
// (with assign_request_id off, so that any id would be the connection's).
func TestOwnErrorNotTakenFromABody(t *testing.T) {
	const own = "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n431 Request Header Fields Too Large"
	o := Defaults()
	o.AssignRequestID = false
	addr, _ := serveChain(t, o, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(1+len(own)))
		io.WriteString(w, "x")
		w.(http.Flusher).Flush()
		io.WriteString(w, own) // the last flush writes exactly this
	}))
	for i := 0; i < 2; i++ { // the second on the kept-alive connection
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "x"+own || resp.Header.Get(request.IDHeader) != "" {
			t.Errorf("request %d: body %q, want it as written", i, body)
		}
	}
}

// The drain looks into a connection's socket for bytes not yet read
// (unreadBytes) through the wireConn every accepted connection is wrapped
// in.
func TestUnreadBytesThroughWireConn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	wl := wrapListener(ln, Defaults(), zerolog.Nop())
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c, err := wl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if unreadBytes(c) {
		t.Fatal("unread bytes before the client sent any")
	}
	client.Write([]byte("GET / HTTP/1.1\r\n"))
	deadline := time.Now().Add(5 * time.Second)
	for !unreadBytes(c) {
		if time.Now().After(deadline) {
			t.Fatal("unreadBytes does not see the bytes the client sent through a wireConn")
		}
		time.Sleep(time.Millisecond)
	}
}

// The answers net/http gives without calling a handler, to an Expect
// other than 100-continue (417) and to OPTIONS * (200), carry a request
// id like every other answer. FuzzServeConn found the 417.
func TestAnswersWithoutAHandlerAreTraced(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	srv, _, wrapped := newServing(Defaults(), zerolog.New(&logs), http.NotFoundHandler(), ln)
	go srv.Serve(wrapped)
	defer srv.Close()
	for _, tc := range []struct{ req, status string }{
		{"GET / HTTP/1.1\r\nHost: x\r\nExpect: coffee\r\n\r\n", "417 Expectation Failed"},
		{"GET / HTTP/1.0\r\nExpect: 0\r\n\r\n", "417 Expectation Failed"},
		{"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", "200 OK"},
	} {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write([]byte(tc.req))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		c.Close()
		if err != nil {
			t.Fatalf("%q: %v", tc.req, err)
		}
		id := resp.Header.Get(request.IDHeader)
		if resp.Status != tc.status || !strings.HasPrefix(id, "req-") {
			t.Errorf("%q: %s, request id %q; want %s with an id", tc.req, resp.Status, id, tc.status)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for strings.Count(logs.String(), `"request_id":"req-`) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := strings.Count(logs.String(), `"request_id":"req-`); n < 3 {
		t.Errorf("%d access lines with a request id, want 3:\n%s", n, logs.String())
	}
}

// serveChain serves h through newServing (the server's real layers, on
// wrapped connections) and returns its address and its log.
func serveChain(t *testing.T, o Options, h http.Handler) (string, *syncBuffer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	srv, _, wrapped := newServing(o, zerolog.New(&logs), h, ln)
	go srv.Serve(wrapped)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), &logs
}

// exchange writes req on a new connection and reads until the server
// closes it (or 5 s pass).
func exchange(t *testing.T, addr, req string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, req)
	out, _ := io.ReadAll(c)
	return string(out)
}

// accessLines returns the access lines of the log. Once the client has
// read a response to its end, its line is there: the access log writes
// a handler's line before net/http flushes the response, and the
// connection logs its own answers before it writes them.
func accessLines(logs *syncBuffer) []string {
	var lines []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"status_code"`) {
			lines = append(lines, l)
		}
	}
	return lines
}

// What a handler writes goes out as written, whatever its bytes and
// whatever it does with its write deadline, and is logged once. Before,
// the connection took a write for net/http's own error response when it
// came after a clear of the write deadline (which a handler makes to lift
// write_timeout for a long download) or when a handler's response looked
// like one: it rewrote the bytes, adding a request id and a
// Content-Length inside the body (a response-splitting primitive for
// handlers that echo what a client sends), and logged a second line.
func TestHandlerBytesAreNeverTakenForNetHTTPs(t *testing.T) {
	const forged = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nhello"
	noID := Defaults()
	noID.AssignRequestID = false
	for _, tc := range []struct {
		name string
		o    Options
		h    http.HandlerFunc
		req  string
		want string // the response's tail, from its blank line
	}{
		{"a body written after the handler clears its write deadline", Defaults(), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(1+len(forged)))
			io.WriteString(w, "x")
			w.(http.Flusher).Flush()
			http.NewResponseController(w).SetWriteDeadline(time.Time{})
			io.WriteString(w, forged)
		}, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "\r\n\r\nx" + forged},
		{"a HEAD answer without Date, assign_request_id off", noID, func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Date"] = nil
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(404)
		}, "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "\r\n\r\n"},
		{"a handler's 417, assign_request_id off", noID, func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "no", http.StatusExpectationFailed)
		}, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "\r\n\r\nno\n"},
	} {
		addr, logs := serveChain(t, tc.o, tc.h)
		out := exchange(t, addr, tc.req)
		if !strings.HasSuffix(out, tc.want) || strings.Count(out, "HTTP/1.1 ") != 1+strings.Count(tc.want, "HTTP/1.1 ") {
			t.Errorf("%s: on the wire %q, want it to end in %q", tc.name, out, tc.want)
		}
		if tc.o.AssignRequestID && strings.Count(out, request.IDHeader) != 1 || !tc.o.AssignRequestID && strings.Contains(out, request.IDHeader) {
			t.Errorf("%s: request ids on the wire: %q", tc.name, out)
		}
		if lines := accessLines(logs); len(lines) != 1 || strings.Contains(lines[0], `"request_line":""`) {
			t.Errorf("%s: %d access lines, want the handler's alone:\n%s", tc.name, len(lines), strings.Join(lines, "\n"))
		}
	}
}

// net/http's own answers are still recognised after a handler's response
// on the same connection (pipelined), with write_timeout on and off, and
// with assign_request_id off.
func TestNetHTTPsAnswersAfterAHandlersAreTraced(t *testing.T) {
	for _, tc := range []struct {
		writeTimeout time.Duration
		assignID     bool
	}{{0, true}, {5 * time.Second, true}, {0, false}} {
		o := Defaults()
		o.WriteTimeout, o.AssignRequestID = tc.writeTimeout, tc.assignID
		addr, logs := serveChain(t, o, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			io.WriteString(w, "ok")
		}))
		out := exchange(t, addr, "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nab"+
			"GET / HTTP/1.1\r\nHost: x\r\n\r\n"+
			"GET / HTTP/1.1\r\n\r\n")
		ids := 0
		if tc.assignID {
			ids = 3
		}
		if strings.Count(out, "HTTP/1.1 200 OK") != 2 || !strings.Contains(out, "HTTP/1.1 400 Bad Request: missing required Host header") ||
			strings.Count(out, request.IDHeader) != ids {
			t.Errorf("%+v: want two 200s and net/http's 400, with %d request ids:\n%q", tc, ids, out)
		}
		lines := accessLines(logs)
		if len(lines) != 3 || !strings.Contains(lines[2], `"status_code":400`) {
			t.Errorf("%+v: access lines:\n%s", tc, strings.Join(lines, "\n"))
		}
	}
}

// net/http's own 417 is recognised and logged with assign_request_id off
// too (the phase tells, not the missing id).
func TestNetHTTPs417WithoutRequestIDs(t *testing.T) {
	o := Defaults()
	o.AssignRequestID = false
	addr, logs := serveChain(t, o, http.NotFoundHandler())
	out := exchange(t, addr, "GET / HTTP/1.1\r\nHost: x\r\nExpect: coffee\r\n\r\n")
	if !strings.HasPrefix(out, "HTTP/1.1 417 Expectation Failed\r\n") || strings.Contains(out, request.IDHeader) {
		t.Errorf("%q", out)
	}
	if lines := accessLines(logs); len(lines) != 1 || !strings.Contains(lines[0], `"status_code":417`) {
		t.Errorf("access lines:\n%s", strings.Join(lines, "\n"))
	}
}

// deadlineConn records the write deadlines set on it; the first one
// waits until released, as a socket's may while a step's deadline is
// being set.
type deadlineConn struct {
	net.Conn // unused: only the methods below are called
	mu       sync.Mutex
	last     time.Time
	block    chan struct{} // the first SetWriteDeadline waits on it
	entered  chan struct{} // closed when the first is waiting
}

func (d *deadlineConn) SetWriteDeadline(t time.Time) error {
	d.mu.Lock()
	b := d.block
	d.block = nil
	d.mu.Unlock()
	if b != nil {
		close(d.entered)
		<-b
	}
	d.mu.Lock()
	d.last = t
	d.mu.Unlock()
	return nil
}

func (d *deadlineConn) Write(p []byte) (int, error) { return len(p), nil }

// A handler that aborts a write from another goroutine, with a deadline
// in the past, has its deadline on the socket even when a write is
// setting its step's deadline at that moment. Before, the step's
// deadline (computed before the abort) could land last, and the abort
// waited for the step to end, 7.5 s by default.
func TestAbortingDeadlineIsNotOverwrittenByAStep(t *testing.T) {
	release := make(chan struct{})
	fc := &deadlineConn{block: release, entered: make(chan struct{})}
	c := &wireConn{Conn: fc, w: newWire(Defaults(), zerolog.Nop())}
	c.phase.Store(phaseHandler)
	wrote := make(chan struct{})
	go func() { c.Write([]byte("x")); close(wrote) }()
	<-fc.entered // the write is setting its step's deadline
	abort := time.Now().Add(-time.Second)
	aborted := make(chan struct{})
	go func() { c.SetWriteDeadline(abort); close(aborted) }()
	time.Sleep(100 * time.Millisecond)
	close(release)
	<-aborted
	<-wrote
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if !fc.last.Equal(abort) {
		t.Errorf("the socket's write deadline is %s from now, want the handler's, in the past", time.Until(fc.last).Round(time.Millisecond))
	}
}

// trickleConn takes per bytes of each write, then times out, as a socket
// does for a client that reads slowly; its ReadFrom is net's own for a
// file whose file system has no sendfile (genericReadFrom): a copy
// through a buffer, which loses what it read but could not write.
type trickleConn struct {
	net.Conn // unused: only the methods below are called
	per      int
	out      bytes.Buffer
}

func (c *trickleConn) Write(p []byte) (int, error) {
	n := min(len(p), c.per)
	c.out.Write(p[:n])
	if n < len(p) {
		return n, os.ErrDeadlineExceeded
	}
	return n, nil
}

func (c *trickleConn) SetWriteDeadline(time.Time) error { return nil }

func (c *trickleConn) ReadFrom(r io.Reader) (int64, error) {
	return io.CopyBuffer(struct{ io.Writer }{c}, r, make([]byte, 32<<10))
}

// A static file on a file system without sendfile, to a client that
// reads slowly but steadily, arrives whole and intact. Before, the first
// step that timed out ended the response: net's copy had read more of
// the file than it sent, and going on would have skipped those bytes.
func TestReadFromWithoutSendfileLosesNothing(t *testing.T) {
	data := make([]byte, 200<<10)
	for i := range data {
		data[i] = byte(i % 251)
	}
	name := t.TempDir() + "/f"
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, limited := range []bool{false, true} {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		fc := &trickleConn{per: 1000}
		c := &wireConn{Conn: fc, w: newWire(Defaults(), zerolog.Nop())}
		c.phase.Store(phaseHandler)
		var src io.Reader = f
		if limited { // as http.ServeContent hands it over
			src = io.LimitReader(f, int64(len(data)))
		}
		n, err := c.ReadFrom(src)
		if n != int64(len(data)) || err != nil || !bytes.Equal(fc.out.Bytes(), data) {
			t.Errorf("limited=%v: sent %d of %d bytes (%d on the wire, intact: %v), %v", limited, n, len(data), fc.out.Len(), bytes.Equal(fc.out.Bytes(), data), err)
		}
	}
}
