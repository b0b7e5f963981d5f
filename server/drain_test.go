package server

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func h2frame(typ, flags byte, stream uint32, payload []byte) []byte {
	n := len(payload)
	b := []byte{byte(n >> 16), byte(n >> 8), byte(n), typ, flags, byte(stream >> 24), byte(stream >> 16), byte(stream >> 8), byte(stream)}
	return append(b, payload...)
}

const h2GoAway = 7

// readH2Frames reads frames from c until it fails (EOF, or d passed),
// and returns their types in order.
func readH2Frames(c net.Conn, d time.Duration) (types []byte, err error) {
	return readH2Until(c, d, 0xff)
}

// readH2Until reads frames from c until one of type last (included), or
// until it fails (EOF, or d passed), and returns their types in order.
func readH2Until(c net.Conn, d time.Duration, last byte) (types []byte, err error) {
	c.SetReadDeadline(time.Now().Add(d))
	for len(types) == 0 || types[len(types)-1] != last {
		h := make([]byte, 9)
		if _, err := io.ReadFull(c, h); err != nil {
			return types, err
		}
		if _, err := io.ReadFull(c, make([]byte, int(h[0])<<16|int(h[1])<<8|int(h[2]))); err != nil {
			return types, err
		}
		types = append(types, h[3])
	}
	return types, nil
}

// The drain announces its end to an idle HTTP/2 connection with a GOAWAY
// before the connection closes, so that its client opens no new stream
// on it. Before, the drain treated HTTP/2 connections like HTTP/1.1's and
// closed an idle one after the grace with no word, and a stream the
// client opened just then was lost.
func TestDrainSendsGOAWAYToIdleHTTP2Connections(t *testing.T) {
	s := serveHTTP2(t, Defaults(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hi")
	}))
	defer s.srv.Close()
	c, err := tls.Dial("tcp", s.addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if p := c.ConnectionState().NegotiatedProtocol; p != "h2" {
		t.Fatalf("negotiated %q", p)
	}
	c.Write([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"))
	c.Write(h2frame(4, 0, 0, nil)) // SETTINGS
	c.Write(h2frame(4, 1, 0, nil)) // SETTINGS ack
	// HEADERS, END_STREAM|END_HEADERS: GET / https, :authority x
	c.Write(h2frame(1, 5, 1, []byte{0x82, 0x87, 0x84, 0x01, 1, 'x'}))
	if types, err := readH2Until(c, 5*time.Second, 0); err != nil {
		t.Fatalf("frames before the drain: %v, then %v; want the response's DATA", types, err)
	}
	began := time.Now()
	done := make(chan error, 1)
	go func() {
		done <- shutdown(s.srv, s.ln, s.served, s.conns, zerolog.Nop(), syscall.SIGTERM, 10*time.Second)
	}()
	types, err := readH2Frames(c, 5*time.Second)
	if len(types) == 0 || types[0] != h2GoAway || err != io.EOF {
		t.Errorf("frames during the drain: %v, then %v; want a GOAWAY, then the end of the connection", types, err)
	}
	if err := <-done; err != nil {
		t.Errorf("drain: %v", err)
	}
	t.Logf("drained in %s", time.Since(began).Round(time.Millisecond))
}

// slowAccept hands out each connection it accepts only once released, as
// a loaded host may between accept(2) and Serve's tracking of the
// connection.
type slowAccept struct {
	net.Listener
	accepted chan struct{}
	release  chan struct{}
}

func (l *slowAccept) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.accepted <- struct{}{}
	<-l.release
	return c, nil
}

// A connection accepted just as the drain begins is tracked before the
// drain's first check, and its request is answered. Before, the first
// check could run before Serve had reported the connection, find nothing
// open and call Shutdown, which then dropped the request.
func TestDrainWaitsForConnectionsBeingAccepted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sl := &slowAccept{Listener: ln, accepted: make(chan struct{}, 1), release: make(chan struct{})}
	srv, conns, wrapped := newServing(Defaults(), zerolog.Nop(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hi")
	}), sl)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(wrapped) }()
	defer srv.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	<-sl.accepted
	done := make(chan error, 1)
	go func() { done <- shutdown(srv, wrapped, served, conns, zerolog.Nop(), syscall.SIGTERM, 10*time.Second) }()
	time.Sleep(200 * time.Millisecond) // the drain has begun; the connection is still in Accept
	close(sl.release)
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("a request on a connection accepted as the drain began: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !resp.Close {
		t.Errorf("%s, close=%v; want 200 with Connection: close", resp.Status, resp.Close)
	}
	if err := <-done; err != nil {
		t.Errorf("drain: %v", err)
	}
}

// pipeTLS returns the server side of a TLS connection over a
// synchronous pipe whose client has finished its handshake and then
// reads nothing: any write the server makes blocks, as on a socket whose
// buffer a client that stopped reading has filled.
func pipeTLS(t *testing.T) *tls.Conn {
	t.Helper()
	ts := httptest.NewTLSServer(nil)
	cfg := ts.TLS.Clone()
	ts.Close()
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	s := tls.Server(a, cfg)
	cl := tls.Client(b, &tls.Config{InsecureSkipVerify: true})
	errs := make(chan error, 1)
	go func() { errs <- cl.Handshake() }()
	if err := s.Handshake(); err != nil {
		t.Fatal(err)
	}
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	return s
}

// Closing idle TLS connections, in the drain or at its deadline, takes
// no time whatever their clients do. Before, each close sent TLS's
// close_notify under a 5 s deadline: an idle connection whose client
// stopped reading held the drain's loop 5 s, one after another, with
// graceful_shutdown_timeout looked at only between passes.
func TestDrainClosesStalledTLSConnectionsAtOnce(t *testing.T) {
	var tr connTracker
	for i := 0; i < 3; i++ {
		c := pipeTLS(t)
		tr.track(c, http.StateNew)
		tr.track(c, http.StateIdle)
	}
	tr.startDrain()
	after := tr.start.Add(drainIdleGrace + time.Second)
	began := time.Now()
	tr.closeUnused(after)
	tr.closeUnused(after) // the second check in a row closes
	if d := time.Since(began); d > time.Second {
		t.Errorf("closing 3 idle TLS connections whose clients read nothing took %s", d.Round(time.Millisecond))
	}
	var tr2 connTracker
	for i := 0; i < 3; i++ {
		c := pipeTLS(t)
		tr2.track(c, http.StateNew)
		tr2.track(c, http.StateActive)
	}
	began = time.Now()
	if active := tr2.closeAll(); active != 3 {
		t.Errorf("closeAll: %d active, want 3", active)
	}
	if d := time.Since(began); d > time.Second {
		t.Errorf("cutting off 3 TLS connections whose clients read nothing took %s", d.Round(time.Millisecond))
	}
}
