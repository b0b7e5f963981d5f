package server

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// serveHTTP2 serves h through newServing over TLS with HTTP/2 on, as
// serve does with use_ssl, and returns the test server (its Client
// trusts it) and the server's parts.
func serveHTTP2(t *testing.T, o Options, h http.Handler) (*httptest.Server, *http.Server, *connTracker, net.Listener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, conns, wrapped := newServing(o, zerolog.Nop(), h, ln)
	ts := httptest.NewUnstartedServer(nil)
	ts.Listener.Close()
	ts.Listener = wrapped
	ts.Config = srv
	ts.EnableHTTP2 = true
	ts.StartTLS()
	return ts, srv, conns, wrapped
}

// handlersInFinalFlush counts the goroutines waiting in net/http's HTTP/2
// flush after their handler returned.
func handlersInFinalFlush() int {
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "http2responseWriter).handlerDone") {
			n++
		}
	}
	return n
}

// A small HTTP/2 response to a client that grants its stream no window
// is still bounded by the no-progress limit. The handler has returned
// and given back its pool slot, but net/http flushes the last bytes it
// buffers (up to 4 KB) after that, waiting for the window with no limit
// of its own. Before, the handlers' goroutines waited there for as long
// as the client liked, and the server's Close hung with them.
func TestHTTP2FinalFlushIsBounded(t *testing.T) {
	o := Defaults()
	o.SendTimeout = time.Second
	ts, _, _, _ := serveHTTP2(t, o, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("b", 1000))
	}))
	tr := ts.Client().Transport.(*http.Transport)
	tr.ForceAttemptHTTP2 = true
	tr.HTTP2 = &http.HTTP2Config{MaxReceiveBufferPerStream: 1}
	const n = 20
	for i := 0; i < n; i++ {
		resp, err := ts.Client().Get(ts.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		if resp.ProtoMajor != 2 {
			t.Fatalf("%s, want HTTP/2", resp.Proto)
		}
		defer resp.Body.Close() // never read: the stream's window stays shut
	}
	began := time.Now()
	stuck := handlersInFinalFlush()
	for stuck > 0 && time.Since(began) < 8*time.Second {
		time.Sleep(100 * time.Millisecond)
		stuck = handlersInFinalFlush()
	}
	if stuck > 0 {
		t.Fatalf("%d of %d handlers still wait in their final flush %s after returning (send_timeout 1 s)", stuck, n, time.Since(began).Round(time.Millisecond))
	}
	t.Logf("every final flush ended within %s", time.Since(began).Round(time.Millisecond))
	closed := make(chan struct{})
	go func() { ts.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the server's Close hangs")
	}
}
