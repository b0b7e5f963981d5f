package bridge

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// unixServer is an HTTP server on a unix socket, as gunicorn is to the
// bridge, that counts the connections it was given and has closed.
type unixServer struct {
	srv            *http.Server
	socket         string
	opened, closed atomic.Int32
	mu             sync.Mutex
	conns          map[net.Conn]bool
}

func newUnixServer(t testing.TB, h http.Handler) *unixServer {
	t.Helper()
	s := &unixServer{socket: filepath.Join(t.TempDir(), "s.sock"), conns: map[net.Conn]bool{}}
	l, err := net.Listen("unix", s.socket)
	if err != nil {
		t.Fatal(err)
	}
	s.srv = &http.Server{Handler: h, ConnState: func(c net.Conn, st http.ConnState) {
		s.mu.Lock()
		defer s.mu.Unlock()
		switch st {
		case http.StateNew:
			s.opened.Add(1)
			s.conns[c] = true
		case http.StateClosed, http.StateHijacked:
			s.closed.Add(1)
			delete(s.conns, c)
		}
	}}
	go s.srv.Serve(l)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// closeIdle closes the server's side of every connection, as a
// gunicorn worker that is replaced does.
func (s *unixServer) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

func (s *unixServer) transport(idle time.Duration, maxIdle int) *transport {
	d := &net.Dialer{}
	return &transport{dial: func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "unix", s.socket) },
		maxIdle: maxIdle, idleTimeout: idle}
}

// do sends a request through tr and reads the answer whole.
func do(t *testing.T, tr http.RoundTripper, method, path string, body io.Reader) (int, string, error) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://python"+path, body)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return 0, "", err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(b), err
}

func waitUntil(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// The bridge's transport keeps a connection for the next request once
// a response has been read to its end: requests one after another use
// one connection, and as many at once use as many connections.
func TestTransportReusesConnections(t *testing.T) {
	var inside, most atomic.Int32
	s := newUnixServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inside.Add(1)
		defer inside.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		if r.URL.Query().Get("wait") != "" {
			time.Sleep(50 * time.Millisecond)
		}
		body, _ := io.ReadAll(r.Body)
		io.WriteString(w, r.Method+" "+r.URL.Path+" "+string(body))
	}))
	tr := s.transport(time.Minute, 8)
	for i := range 50 {
		method, body := "GET", io.Reader(nil)
		if i%5 == 4 {
			method, body = "POST", strings.NewReader("a body")
		}
		code, got, err := do(t, tr, method, "/x", body)
		if err != nil || code != 200 || !strings.HasPrefix(got, method+" /x") {
			t.Fatalf("request %d: %d %q %v", i, code, got, err)
		}
	}
	if n := s.opened.Load(); n != 1 {
		t.Errorf("50 requests one after another opened %d connections, want 1", n)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			do(t, tr, "GET", "/x?wait=1", nil)
		}()
	}
	wg.Wait()
	if n := s.opened.Load(); n > 4 || most.Load() < 2 {
		t.Errorf("4 requests at once: %d connections in all, at most %d requests at once", n, most.Load())
	}
}

// A connection is not used again when the server says it closes it,
// when the response was not read to its end, or when the request's body
// was not all written before the answer; an interim answer (103) is
// passed over.
func TestTransportDropsUnfinishedConnections(t *testing.T) {
	s := newUnixServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/close":
			w.Header().Set("Connection", "close")
		case "/big":
			w.Write(make([]byte, 1<<20))
			return
		}
		io.WriteString(w, "ok")
	}))
	tr := s.transport(time.Minute, 8)
	do(t, tr, "GET", "/close", nil)
	do(t, tr, "GET", "/", nil)
	if n := s.opened.Load(); n != 2 {
		t.Errorf("after Connection: close, %d connections, want 2", n)
	}
	req, _ := http.NewRequest("GET", "http://python/big", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Read(make([]byte, 10))
	resp.Body.Close()
	do(t, tr, "GET", "/", nil)
	if n := s.opened.Load(); n != 3 {
		t.Errorf("after a body closed unread, %d connections, want 3", n)
	}

	// An answer before the request's body is all written: a server
	// that answers from the request's head and leaves the body (net/http's
	// would read it away first).
	sock := filepath.Join(t.TempDir(), "early.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					if req.Method == "POST" {
						io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nearly")
						io.Copy(io.Discard, req.Body) // until the client gives up on it
						return
					}
					if req.URL.Path == "/interim" {
						io.WriteString(c, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n")
					}
					io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				}
			}()
		}
	}()
	d := &net.Dialer{}
	early := &transport{dial: func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "unix", sock) }, maxIdle: 8, idleTimeout: time.Minute}
	pr, pw := io.Pipe()
	defer pw.Close()
	go pw.Write([]byte("part of it"))
	code, got, err := do(t, early, "POST", "/early", pr)
	if code != 200 || got != "early" || err != nil {
		t.Errorf("an early answer: %d %q %v", code, got, err)
	}
	if code, _, err := do(t, early, "GET", "/", nil); code != 200 || err != nil || accepted.Load() != 2 {
		t.Errorf("after an answer before the body's end: %d %v, %d connections, want 2", code, err, accepted.Load())
	}
	// An interim answer is not the answer.
	if code, got, err := do(t, early, "GET", "/interim", nil); code != 200 || got != "ok" || err != nil || accepted.Load() != 2 {
		t.Errorf("after an interim answer: %d %q %v, %d connections, want 2", code, got, err, accepted.Load())
	}
}

// A request sent on an idle connection that the server has closed (a
// gunicorn worker replaced) is sent again on a new one when nothing of
// it reached the server or it may be repeated; one with a body is not.
func TestTransportRetriesStaleConnections(t *testing.T) {
	var posts atomic.Int32
	s := newUnixServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" {
			posts.Add(1)
		}
		io.WriteString(w, "ok")
	}))
	tr := s.transport(time.Minute, 8)
	for _, method := range []string{"GET", "HEAD", "DELETE"} {
		do(t, tr, "GET", "/", nil)
		s.closeAll()
		if !waitUntil(time.Second, func() bool { return s.closed.Load() == s.opened.Load() }) {
			t.Fatal("the server did not close its connections")
		}
		if code, _, err := do(t, tr, method, "/", nil); code != 200 || err != nil {
			t.Errorf("%s on a connection the server closed: %d %v", method, code, err)
		}
	}
	s.closeAll()
	waitUntil(time.Second, func() bool { return s.closed.Load() == s.opened.Load() })
	// Whether the write or the read sees the close first, the POST
	// reaches the server at most once.
	do(t, tr, "POST", "/", strings.NewReader("once"))
	if n := posts.Load(); n > 1 {
		t.Errorf("a POST on a closed connection reached the server %d times", n)
	}
	if code, _, err := do(t, tr, "GET", "/", nil); code != 200 || err != nil {
		t.Errorf("after it: %d %v", code, err)
	}
}

// A request whose context ends (the client went away) returns at once
// with the context's error, and its connection is not used again; idle
// connections are closed after the idle timeout, and no more than
// maxIdle are kept.
func TestTransportContextAndIdle(t *testing.T) {
	release := make(chan struct{})
	s := newUnixServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hang" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		if r.URL.Path == "/slow" {
			time.Sleep(50 * time.Millisecond)
		}
		io.WriteString(w, "ok")
	}))
	defer close(release)
	tr := s.transport(200*time.Millisecond, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://python/hang", nil)
	start := time.Now()
	_, err := tr.RoundTrip(req)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("a request whose context ended: %v after %v", err, time.Since(start))
	}
	if !waitUntil(2*time.Second, func() bool { return s.closed.Load() == 1 }) {
		t.Errorf("its connection was not closed")
	}

	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); do(t, tr, "GET", "/slow", nil) }()
	}
	wg.Wait()
	tr.mu.Lock()
	idle := len(tr.idle)
	tr.mu.Unlock()
	if idle > 2 {
		t.Errorf("%d idle connections kept, want at most maxIdle 2", idle)
	}
	if !waitUntil(2*time.Second, func() bool { return s.closed.Load() == s.opened.Load() }) {
		t.Errorf("idle connections still open after the idle timeout: %d opened, %d closed", s.opened.Load(), s.closed.Load())
	}
	tr.mu.Lock()
	idle = len(tr.idle)
	tr.mu.Unlock()
	if idle != 0 {
		t.Errorf("%d idle connections listed after the idle timeout", idle)
	}
	if code, _, err := do(t, tr, "GET", "/", nil); code != 200 || err != nil {
		t.Errorf("after the idle timeout: %d %v", code, err)
	}
}
