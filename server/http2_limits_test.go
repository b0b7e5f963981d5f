package server

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Tests that the server's limits hold for HTTP/2 streams as they do for
// HTTP/1.1 requests, over TLS and over h2c, speaking HTTP/2 frame by
// frame (golang.org/x/net/http2's Framer) where the frames matter: a
// client such as net/http's refuses to send a header list past the
// server's SETTINGS_MAX_HEADER_LIST_SIZE.

// serveH2C serves h through newServing in plain text, with h2c on, and
// returns its address and server.
func serveH2C(t *testing.T, o Options, h http.Handler) (string, *http.Server) {
	t.Helper()
	o.H2C = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, _, wrapped := newServing(o, zerolog.Nop(), h, ln)
	go srv.Serve(wrapped)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), srv
}

// serveH2 serves h over TLS (serveHTTP2) and returns its address; the
// server is closed at the end of the test.
func serveH2(t *testing.T, o Options, h http.Handler) string {
	t.Helper()
	s := serveHTTP2(t, o, h)
	t.Cleanup(func() { s.srv.Close() })
	return s.addr
}

// rawH2 is one HTTP/2 connection spoken frame by frame.
type rawH2 struct {
	t        *testing.T
	conn     net.Conn
	fr       *http2.Framer
	enc      *hpack.Encoder
	hbuf     bytes.Buffer
	settings map[http2.SettingID]uint32 // the server's first SETTINGS
	goAway   uint32                     // the last stream id of a GOAWAY; 0 for none
}

// dialRawH2 opens a connection (TLS with ALPN h2, or plain text for
// h2c), sends the preface and empty SETTINGS, and reads the server's
// SETTINGS, which it acknowledges.
func dialRawH2(t *testing.T, addr string, overTLS bool) *rawH2 {
	t.Helper()
	var conn net.Conn
	var err error
	if overTLS {
		var tc *tls.Conn
		tc, err = tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}})
		if err == nil && tc.ConnectionState().NegotiatedProtocol != "h2" {
			t.Fatalf("ALPN gave %q, want h2", tc.ConnectionState().NegotiatedProtocol)
		}
		conn = tc
	} else {
		conn, err = net.Dial("tcp", addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	c := &rawH2{t: t, conn: conn, settings: map[http2.SettingID]uint32{}}
	c.fr = http2.NewFramer(conn, conn)
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.fr.MaxHeaderListSize = 1 << 20
	c.enc = hpack.NewEncoder(&c.hbuf)
	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	if err := c.fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	f, err := c.fr.ReadFrame()
	if err != nil {
		t.Fatalf("no SETTINGS from the server: %v", err)
	}
	sf, ok := f.(*http2.SettingsFrame)
	if !ok {
		t.Fatalf("first frame %v, want SETTINGS", f.Header())
	}
	sf.ForeachSetting(func(s http2.Setting) error { c.settings[s.ID] = s.Val; return nil })
	if err := c.fr.WriteSettingsAck(); err != nil {
		t.Fatal(err)
	}
	return c
}

// send opens stream id with a GET of path and the given header fields,
// split into HEADERS and CONTINUATION frames of at most 16 KB; with
// end, the stream is half-closed at once (no body).
func (c *rawH2) send(id uint32, path string, fields [][2]string, end bool) {
	c.t.Helper()
	c.hbuf.Reset()
	for _, f := range append([][2]string{{":method", "GET"}, {":scheme", "https"}, {":authority", "example.test"}, {":path", path}}, fields...) {
		c.enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	block := c.hbuf.Bytes()
	const max = 16 << 10
	first := block[:min(len(block), max)]
	block = block[len(first):]
	if err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: first, EndStream: end, EndHeaders: len(block) == 0}); err != nil {
		c.t.Fatal(err)
	}
	for len(block) > 0 {
		part := block[:min(len(block), max)]
		block = block[len(part):]
		if err := c.fr.WriteContinuation(id, len(block) == 0, part); err != nil {
			c.t.Fatal(err)
		}
	}
}

// h2Answer is what came back on one stream.
type h2Answer struct {
	status string
	header http.Header
	body   string
	reset  http2.ErrCode // the RST_STREAM's code; 0 for none
	done   bool          // END_STREAM or RST_STREAM came
}

// answers reads frames until every stream in ids has ended (END_STREAM
// or RST_STREAM, or a GOAWAY whose last stream id is below it).
func (c *rawH2) answers(ids ...uint32) map[uint32]*h2Answer {
	c.t.Helper()
	out := map[uint32]*h2Answer{}
	for _, id := range ids {
		out[id] = &h2Answer{header: http.Header{}}
	}
	pending := len(ids)
	for pending > 0 {
		f, err := c.fr.ReadFrame()
		if err != nil {
			c.t.Fatalf("reading frames (%d stream(s) unanswered): %v", pending, err)
		}
		a := out[f.Header().StreamID]
		switch f := f.(type) {
		case *http2.MetaHeadersFrame:
			if a == nil {
				continue
			}
			for _, hf := range f.Fields {
				if hf.Name == ":status" {
					a.status = hf.Value
				} else {
					a.header.Add(hf.Name, hf.Value)
				}
			}
			if f.StreamEnded() && !a.done {
				a.done = true
				pending--
			}
		case *http2.DataFrame:
			if a == nil {
				continue
			}
			a.body += string(f.Data())
			if len(f.Data()) > 0 { // keep the windows open
				c.fr.WriteWindowUpdate(0, uint32(len(f.Data())))
				c.fr.WriteWindowUpdate(f.StreamID, uint32(len(f.Data())))
			}
			if f.StreamEnded() && !a.done {
				a.done = true
				pending--
			}
		case *http2.RSTStreamFrame:
			if a != nil && !a.done {
				a.reset, a.done = f.ErrCode, true
				pending--
			}
		case *http2.GoAwayFrame:
			// Streams past its last stream id will not be answered;
			// those up to it still are.
			c.goAway = f.LastStreamID
			for id, a := range out {
				if id > f.LastStreamID && !a.done {
					a.done, a.reset = true, http2.ErrCodeRefusedStream
					pending--
				}
			}
		}
	}
	return out
}

// The server's SETTINGS say what docs/server.md says: the concurrent
// streams of http2_max_concurrent_streams, the header list size that
// follows max_header_size, the frame size and window of http2Config.
func TestHTTP2SettingsFollowTheOptions(t *testing.T) {
	o := Defaults()
	o.HTTP2MaxStreams = 7
	o.MaxHeaderSize = 5000
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	for name, addr := range map[string]string{"tls": serveH2(t, o, h), "h2c": func() string { a, _ := serveH2C(t, o, h); return a }()} {
		c := dialRawH2(t, addr, name == "tls")
		want := map[http2.SettingID]uint32{
			http2.SettingMaxConcurrentStreams: 7,
			http2.SettingMaxHeaderListSize:    uint32(http2MaxHeaderListSize(5000)),
			http2.SettingMaxFrameSize:         http2MaxReadFrameSize,
			http2.SettingInitialWindowSize:    http2ReceiveWindow,
			http2.SettingHeaderTableSize:      http2HeaderTableSize,
		}
		for id, v := range want {
			if got, ok := c.settings[id]; !ok || got != v {
				t.Errorf("%s: SETTINGS %v = %d (sent: %v), want %d", name, id, got, ok, v)
			}
		}
	}
}

// A header field past max_header_line, and a header list past
// max_header_size, get the guard's 431 over HTTP/2 as over HTTP/1.1,
// with a request id, and the connection is closed after it as over
// HTTP/1.1 (Connection: close, which HTTP/2 sends as a GOAWAY); a list
// past SETTINGS_MAX_HEADER_LIST_SIZE gets net/http's 431, and the
// connection goes on serving other streams.
func TestHTTP2HeaderLimits(t *testing.T) {
	o := Defaults()
	o.MaxHeaderLine = 1000
	o.MaxHeaderSize = 4000
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "served") })
	h2cAddr, _ := serveH2C(t, o, ok)
	field := func(n, size int) [2]string {
		return [2]string{fmt.Sprintf("x-field-%03d", n), strings.Repeat("v", size)}
	}
	fields := func(n, size int) [][2]string {
		var out [][2]string
		for i := range n {
			out = append(out, field(i, size))
		}
		return out
	}
	for name, addr := range map[string]string{"tls": serveH2(t, o, ok), "h2c": h2cAddr} {
		for _, tc := range []struct {
			what   string
			fields [][2]string
			want   string // in the guard's body
		}{
			{"one 1100-byte field", fields(1, 1100), "max_header_line"},
			// Each line under 1000, 4600 in all; under net/http's
			// list size (8000 + 320).
			{"ten 450-byte fields", fields(10, 450), "max_header_size"},
		} {
			c := dialRawH2(t, addr, name == "tls")
			c.send(1, "/", tc.fields, true)
			c.send(3, "/", nil, true)
			got := c.answers(1, 3)
			if a := got[1]; a.status != "431" || !strings.Contains(a.body, tc.want) || !strings.HasPrefix(a.header.Get("x-openstack-request-id"), "req-") {
				t.Errorf("%s, %s: %s %q %v, want the guard's 431 naming %s, with a request id", name, tc.what, a.status, a.body, a.header, tc.want)
			}
			if c.goAway == 0 {
				t.Errorf("%s, %s: no GOAWAY after the 431: the connection stays open", name, tc.what)
			}
		}
		// Thirty of 450: 30 × (462 + 32) bytes as HPACK counts, past
		// SETTINGS_MAX_HEADER_LIST_SIZE.
		c := dialRawH2(t, addr, name == "tls")
		c.send(1, "/", fields(30, 450), true)
		c.send(3, "/", nil, true)
		got := c.answers(1, 3)
		if a := got[1]; a.status != "431" {
			t.Errorf("%s: a header list past SETTINGS_MAX_HEADER_LIST_SIZE: status %q reset %v, want 431", name, a.status, a.reset)
		}
		if a := got[3]; a.status != "200" || a.body != "served" {
			t.Errorf("%s: a request after it on the same connection: %s %q reset %v", name, a.status, a.body, a.reset)
		}
	}
}

// Beyond wsgi_default_pool_size streams at once, the next gets 503 with
// Retry-After, as an HTTP/1.1 request does, and the streams in the pool
// are served; and a client may not open more than
// http2_max_concurrent_streams on one connection: the one past it is
// reset, the others are served.
func TestHTTP2PoolAndStreamLimits(t *testing.T) {
	for _, tc := range []struct {
		what            string
		pool, streams   int
		hold            []uint32
		next            uint32
		want503, wantRS bool
	}{
		{"pool of 2, 3 streams", 2, 3, []uint32{1, 3}, 5, true, false},
		{"pool of 10, 3 streams", 10, 3, []uint32{1, 3, 5}, 7, false, true},
	} {
		o := Defaults()
		o.PoolSize = tc.pool
		o.HTTP2MaxStreams = tc.streams
		var release chan struct{}
		var entered sync.WaitGroup
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/hold" {
				entered.Done()
				<-release
			}
			io.WriteString(w, "served")
		})
		h2cAddr, _ := serveH2C(t, o, h)
		for name, addr := range map[string]string{"tls": serveH2(t, o, h), "h2c": h2cAddr} {
			release = make(chan struct{})
			c := dialRawH2(t, addr, name == "tls")
			entered.Add(len(tc.hold))
			for _, id := range tc.hold {
				c.send(id, "/hold", nil, true)
			}
			entered.Wait()
			c.send(tc.next, "/", nil, true)
			a := c.answers(tc.next)[tc.next]
			if tc.want503 && (a.status != "503" || a.header.Get("retry-after") != "1" || !strings.Contains(a.body, "wsgi_default_pool_size")) {
				t.Errorf("%s, %s: the stream past the pool: %s %v %q, want 503 with Retry-After", name, tc.what, a.status, a.header, a.body)
			}
			if tc.wantRS && a.reset != http2.ErrCodeProtocol && a.reset != http2.ErrCodeRefusedStream {
				t.Errorf("%s, %s: the stream past http2_max_concurrent_streams: %s reset %v, want it reset", name, tc.what, a.status, a.reset)
			}
			close(release)
			got := c.answers(tc.hold...)
			for _, id := range tc.hold {
				if a := got[id]; a.status != "200" || a.body != "served" {
					t.Errorf("%s, %s: stream %d: %s %q reset %v, want served", name, tc.what, id, a.status, a.body, a.reset)
				}
			}
		}
	}
}

// A client that grants an h2c stream no window gives back its pool slot
// after the no-progress limit, as over TLS
// (TestHTTP2StreamStallGivesUpItsSlot) and over HTTP/1.1.
func TestH2CStreamStallGivesUpItsSlot(t *testing.T) {
	o := Defaults()
	o.PoolSize = 1
	o.SendTimeout = time.Second
	addr, _ := serveH2C(t, o, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			w.Write(make([]byte, 4<<20))
			return
		}
		io.WriteString(w, "served")
	}))
	// This client reads the SETTINGS, opens /big and never grants a
	// byte of window beyond the initial 64 KB.
	c := dialRawH2(t, addr, false)
	c.send(1, "/big", nil, true)
	// Its handler holds the slot once its response has begun.
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			t.Fatalf("no response to /big: %v", err)
		}
		if _, ok := f.(*http2.MetaHeadersFrame); ok && f.Header().StreamID == 1 {
			break
		}
	}
	p := &http.Protocols{}
	p.SetUnencryptedHTTP2(true)
	other := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Protocols: p}}
	began := time.Now()
	saw503 := false
	for {
		resp, err := other.Get("http://" + addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.ProtoMajor != 2 {
			t.Fatalf("%s, want HTTP/2 (h2c)", resp.Proto)
		}
		if resp.StatusCode == 200 {
			t.Logf("a slot came back after %s (503 before: %v)", time.Since(began).Round(time.Millisecond), saw503)
			break
		}
		saw503 = saw503 || resp.StatusCode == 503
		if resp.StatusCode != 503 || time.Since(began) > 8*time.Second {
			t.Fatalf("%d after %s: the stalled stream keeps the slot", resp.StatusCode, time.Since(began))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !saw503 {
		t.Errorf("the stalled stream never held the slot: the test shows nothing")
	}
	if time.Since(began) < 900*time.Millisecond {
		t.Errorf("the slot came back after %s, before the no-progress limit of 1 s", time.Since(began))
	}
}

// h2c is off by default: a client that starts with the HTTP/2 preface
// in plain text gets no HTTP/2. With http2 = false, TLS offers only
// http/1.1.
func TestHTTP2Off(t *testing.T) {
	o := Defaults()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, _, wrapped := newServing(o, zerolog.Nop(), http.NotFoundHandler(), ln)
	go srv.Serve(wrapped)
	defer srv.Close()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, http2.ClientPreface)
	b, _ := io.ReadAll(conn)
	if !strings.HasPrefix(string(b), "HTTP/1.1 ") {
		t.Errorf("h2c off, the preface got %q, want an HTTP/1.1 answer", b)
	}

	o.HTTP2 = false
	cfg, err := buildTLS(withTestCert(t, o))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range cfg.NextProtos {
		if p == "h2" {
			t.Errorf("http2 = false, yet TLS offers h2: %v", cfg.NextProtos)
		}
	}
	if ps := protocols(o); ps.HTTP2() || ps.UnencryptedHTTP2() || !ps.HTTP1() {
		t.Errorf("http2 = false: protocols %v", ps)
	}
}

// withTestCert returns o with cert_file and key_file set to a new
// self-signed pair.
func withTestCert(t *testing.T, o Options) Options {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	o.CertFile, o.KeyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(o.CertFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(o.KeyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return o
}

// The drain announces its end to an idle h2c connection with a GOAWAY,
// as to an HTTP/2 connection over TLS
// (TestDrainSendsGOAWAYToIdleHTTP2Connections): the connection is known
// for HTTP/2 from its first stream. Before, the drain took it for an
// idle HTTP/1.1 connection and closed it after drainIdleGrace with no
// word.
func TestDrainSendsGOAWAYToIdleH2CConnections(t *testing.T) {
	o := Defaults()
	o.H2C = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, conns, wrapped := newServing(o, zerolog.Nop(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hi")
	}), ln)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(wrapped) }()
	defer srv.Close()
	c := dialRawH2(t, ln.Addr().String(), false)
	c.send(1, "/", nil, true)
	if a := c.answers(1)[1]; a.status != "200" {
		t.Fatalf("before the drain: %s reset %v", a.status, a.reset)
	}
	began := time.Now()
	done := make(chan error, 1)
	go func() {
		done <- shutdown(srv, wrapped, served, conns, zerolog.Nop(), syscall.SIGTERM, 10*time.Second)
	}()
	types, err := readH2Frames(c.conn, 5*time.Second)
	if len(types) == 0 || types[0] != h2GoAway || err != io.EOF {
		t.Errorf("frames during the drain: %v, then %v; want a GOAWAY, then the end of the connection", types, err)
	}
	if err := <-done; err != nil {
		t.Errorf("drain: %v", err)
	}
	if d := time.Since(began); d >= drainIdleGrace {
		t.Errorf("drained in %s: the h2c connection waited out the HTTP/1.1 idle grace", d)
	}
}

// http2 needs a restart: a reload that turns it off leaves ALPN as the
// server started it (and logs that the option needs a restart), rather
// than offering h2 no more to a server still set up for it.
func TestHTTP2ReloadKeepsALPN(t *testing.T) {
	o := withTestCert(t, Defaults())
	ts, err := newTLS(o)
	if err != nil {
		t.Fatal(err)
	}
	o.HTTP2 = false
	if err := ts.reload(o); err != nil {
		t.Fatal(err)
	}
	if got := ts.current.Load().NextProtos; len(got) != 2 || got[0] != "h2" {
		t.Errorf("after a reload with http2 = false, ALPN offers %v; want h2 and http/1.1 until a restart", got)
	}
	if names := restartOnly(Defaults(), o); len(names) != 1 || names[0] != "http2" {
		t.Errorf("restartOnly = %v, want [http2]", names)
	}
}
