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
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
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
// connection starts, goes out as it is.
func TestOwnErrorNotTakenFromABody(t *testing.T) {
	const own = "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n431 Request Header Fields Too Large"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(1+len(own)))
		io.WriteString(w, "x")
		w.(http.Flusher).Flush()
		io.WriteString(w, own) // the last flush writes exactly this
	})}
	go srv.Serve(wrapListener(ln, Defaults(), zerolog.Nop()))
	defer srv.Close()
	for i := 0; i < 2; i++ { // the second on the kept-alive connection
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "x"+own || resp.Header.Get(requestIDHeader) != "" {
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
		id := resp.Header.Get(requestIDHeader)
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
