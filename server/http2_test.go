package server

import (
	"crypto/tls"
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

// h2Server is a server as serve runs it with use_ssl: newServing's,
// through ServeTLS.
type h2Server struct {
	addr    string
	srv     *http.Server
	conns   *connTracker
	ln      net.Listener // the wrapped listener, as shutdown gets it
	served  chan error   // ServeTLS's result
	tlsConf *tls.Config
}

// serveHTTP2 serves h through newServing over TLS, with HTTP/2 on, with
// httptest's certificate.
func serveHTTP2(t *testing.T, o Options, h http.Handler) *h2Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS() // for its certificate
	conf := ts.TLS.Clone()
	ts.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, conns, wrapped := newServing(o, zerolog.Nop(), h, ln)
	conf.NextProtos = []string{"h2", "http/1.1"}
	srv.TLSConfig = conf
	s := &h2Server{addr: ln.Addr().String(), srv: srv, conns: conns, ln: wrapped, served: make(chan error, 1), tlsConf: conf}
	go func() { s.served <- srv.ServeTLS(wrapped, "", "") }()
	return s
}

// client returns an HTTP/2 client for s with the given HTTP/2 settings.
func (s *h2Server) client(h2 *http.HTTP2Config) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true, HTTP2: h2,
	}}
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
	s := serveHTTP2(t, o, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("b", 1000))
	}))
	client := s.client(&http.HTTP2Config{MaxReceiveBufferPerStream: 1})
	const n = 20
	for i := 0; i < n; i++ {
		resp, err := client.Get("https://" + s.addr + "/")
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
	go func() { s.srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the server's Close hangs")
	}
}
