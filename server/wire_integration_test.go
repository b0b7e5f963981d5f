package server_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Tests of what goes over the wire: request framing (smuggling), header
// limits and their 431s, and clients that stop reading. They speak raw
// bytes where the bytes matter.

// wireApps adds a static file app and test-stream to the test pipeline.
// The static root is a directory of the test's own, since start writes
// only flat files.
func wireApps(root string) string {
	return strings.TrimSuffix(urlmap, "\n") + "\n/files = files\n/stream = stream\n" + apps +
		"[app:files]\nuse = egg:Paste#static\ndocument_root = " + root + "\n" +
		"[app:stream]\nuse = egg:pasteserve#test-stream\n"
}

// bigFile writes name of size bytes under a new directory, byte i being
// i % 251 (as test-stream's bodies), and returns the directory.
func bigFile(t *testing.T, name string, size int) string {
	t.Helper()
	dir := t.TempDir()
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i % 251)
	}
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// readAllResponses reads from conn until EOF (at most within d) and
// returns the responses parsed from what came, and whether the server
// closed the connection (rather than the deadline ending the read).
func readAllResponses(t *testing.T, conn net.Conn, d time.Duration) (resps []string, closed bool, raw string) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(d))
	out, err := io.ReadAll(conn)
	closed = err == nil
	r := bufio.NewReader(bytes.NewReader(out))
	for i := 0; i < 10; i++ {
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			break
		}
		body, _ := io.ReadAll(resp.Body)
		resps = append(resps, fmt.Sprint(resp.StatusCode, " ", strings.TrimSpace(string(body))))
	}
	return resps, closed, string(out)
}

// Item 1: a request that carries Transfer-Encoding, or comes as HTTP/1.0
// asking for keep-alive, is answered and the connection closed, so that
// bytes after its body are never read as a request: a front end that
// frames the request by Content-Length forwards a hidden request in
// them.
func TestSmuggledRequestNeverServed(t *testing.T) {
	p := start(t, map[string]string{"api.ini": urlmap + apps + local})
	hidden := "GET /SMUGGLED HTTP/1.1\r\nHost: x\r\n\r\n"
	for _, tc := range []struct{ name, head, body string }{
		{"CL.TE, HTTP/1.1", "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n", "0\r\n\r\n" + hidden},
		// Go ignores (and hides) Transfer-Encoding in HTTP/1.0 and frames
		// by Content-Length; a front end that reads it as chunked sees the
		// hidden request inside this one's body, or the other way round.
		{"TE in HTTP/1.0 keep-alive", "POST /body HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", "0\r\n\r\n" + hidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", p.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			head := tc.head
			if strings.Contains(head, "%d") {
				head = fmt.Sprintf(head, len(tc.body))
			}
			if _, err := io.WriteString(conn, head+tc.body); err != nil {
				t.Fatal(err)
			}
			resps, closed, raw := readAllResponses(t, conn, 5*time.Second)
			if len(resps) != 1 || !strings.HasPrefix(resps[0], "200 read ") || !closed || strings.Contains(raw, "SMUGGLED") {
				t.Errorf("want one response, then the connection closed; got %d responses %q, closed=%v:\n%s", len(resps), resps, closed, raw)
			}
		})
	}
	time.Sleep(200 * time.Millisecond) // any access line is written by now
	if strings.Contains(p.logText(), "SMUGGLED") {
		t.Errorf("the hidden request was served:\n%s", p.logText())
	}
}

// The rule costs a chunked upload its keep-alive, nothing else.
func TestChunkedUploadStillServed(t *testing.T) {
	p := start(t, map[string]string{"api.ini": urlmap + apps + local})
	body := strings.Repeat("x", 100000)
	req, _ := http.NewRequest("POST", p.url("/body"), io.NopCloser(strings.NewReader(body))) // no length: chunked
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(string(got), "read 100000 bytes, err=<nil>") || !resp.Close {
		t.Errorf("chunked upload: %d %q, Connection: close=%v", resp.StatusCode, got, resp.Close)
	}
	// A plain keep-alive request keeps its connection.
	if head, closed := rawGet(t, p.addr, "/"); strings.Contains(head, "Connection: close") || closed {
		t.Errorf("a request without Transfer-Encoding lost keep-alive: closed=%v\n%s", closed, head)
	}
}

// rawExchange writes req on a new connection (from a goroutine: the
// server may answer before it has read everything) and reads one
// response.
func rawExchange(t *testing.T, addr, req string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go io.WriteString(conn, req)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// Item 4: max_header_line applies to Host, which Go keeps in r.Host, and
// to Trailer, which it moves to r.Trailer.
func TestHeaderLineLimitCoversHostAndTrailer(t *testing.T) {
	p := start(t, map[string]string{"api.ini": urlmap + apps + local + "max_header_line = 1024\n"})
	resp, body := rawExchange(t, p.addr, "GET / HTTP/1.1\r\nHost: "+strings.Repeat("h", 2000)+"\r\n\r\n")
	if resp.StatusCode != 431 || !strings.Contains(body, "the Host header line is 2006 bytes; this server accepts at most 1024 (max_header_line)") {
		t.Errorf("2,000-byte Host: %d %q", resp.StatusCode, body)
	}
	var keys []string
	for i := 0; i < 100; i++ {
		keys = append(keys, fmt.Sprintf("X-Trailer-Field-%04d", i))
	}
	trailer := strings.Join(keys, ", ")
	resp, body = rawExchange(t, p.addr, "POST /body HTTP/1.1\r\nHost: x\r\nTrailer: "+trailer+"\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
	if want := fmt.Sprintf("the Trailer header line is %d bytes", len("Trailer: ")+len(trailer)); resp.StatusCode != 431 || !strings.Contains(body, want) {
		t.Errorf("%d-byte Trailer: %d %q, want %q", len(trailer), resp.StatusCode, body, want)
	}
	if resp, body := rawExchange(t, p.addr, "GET / HTTP/1.1\r\nHost: "+strings.Repeat("h", 1000)+"\r\nConnection: close\r\n\r\n"); resp.StatusCode != 200 {
		t.Errorf("1,000-byte Host: %d %q", resp.StatusCode, body)
	}
}

// accessLine waits (bounded) for the access log line of the request with
// the given id and returns it.
func (p *proc) accessLine(id string, timeout time.Duration) map[string]any {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(p.logText(), "\n") {
			if !strings.Contains(line, id) || !strings.Contains(line, `"status_code"`) {
				continue
			}
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil && m["request_id"] == id {
				return m
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// Item 5: every 431 carries x-openstack-request-id and has its access
// log line, whichever limit caused it and whoever answered: the guard up
// to twice max_header_size, past that the connection, where net/http
// writes its own.
func TestEvery431IsTraced(t *testing.T) {
	p := start(t, map[string]string{"api.ini": urlmap + apps + local})
	many := func(n int, f string) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, f, i)
		}
		return b.String()
	}
	for _, tc := range []struct{ name, req, body string }{
		{"a header line over max_header_line", "GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + strings.Repeat("l", 20000) + "\r\n\r\n", "max_header_line"},
		{"headers over max_header_size", "GET / HTTP/1.1\r\nHost: x\r\n" + many(100, "X-Filler-%03d: "+strings.Repeat("f", 1000)+"\r\n") + "\r\n", "max_header_size"},
		{"10,000 small headers", "GET / HTTP/1.1\r\nHost: x\r\n" + many(10000, "X-H%05d: v\r\n") + "\r\n", "max_header_size"},
		{"a 100 KB URL", "GET /" + strings.Repeat("u", 100<<10) + " HTTP/1.1\r\nHost: x\r\n\r\n", "max_header_size"},
		{"past net/http's ceiling", "GET / HTTP/1.1\r\nHost: x\r\n" + many(300, "X-Filler-%03d: "+strings.Repeat("f", 1000)+"\r\n") + "\r\n", "max_header_size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := rawExchange(t, p.addr, tc.req)
			id := resp.Header.Get("X-Openstack-Request-Id")
			if resp.StatusCode != 431 || !strings.HasPrefix(id, "req-") || !strings.Contains(body, tc.body) {
				t.Fatalf("%d, request id %q, body %q; want 431 with a request id and a body naming %s", resp.StatusCode, id, body, tc.body)
			}
			if line := p.accessLine(id, 5*time.Second); line == nil || line["status_code"] != 431.0 {
				t.Errorf("no access line with status 431 for %s: %v\n%s", id, line, p.eventsText())
			}
		})
	}
}

// The guard's 431s hold over TLS, and over HTTP/2, which has a 431 of its
// own in net/http (for header lists past the ceiling, as plain HTTP/1.1
// has; docs/server.md says what is not covered).
func TestEvery431IsTracedOverTLSAndHTTP2(t *testing.T) {
	k := newPKI(t)
	p := start(t, k.files("max_header_size = 8192\n"))
	for _, h2 := range []bool{false, true} {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: k.pool}, ForceAttemptHTTP2: h2}
		if !h2 {
			tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
		}
		c := &http.Client{Timeout: 5 * time.Second, Transport: tr}
		req, _ := http.NewRequest("GET", "https://"+p.addr+"/", nil)
		for i := 0; i < 12; i++ {
			req.Header.Set(fmt.Sprintf("X-Filler-%d", i), strings.Repeat("f", 1000))
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Errorf("h2=%v: %v", h2, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		id := resp.Header.Get("X-Openstack-Request-Id")
		if resp.StatusCode != 431 || resp.ProtoMajor != map[bool]int{false: 1, true: 2}[h2] || !strings.HasPrefix(id, "req-") || !strings.Contains(string(body), "max_header_size") {
			t.Errorf("%s, 12 KB of headers: %d, request id %q, body %q", resp.Proto, resp.StatusCode, id, body)
			continue
		}
		if line := p.accessLine(id, 5*time.Second); line == nil {
			t.Errorf("%s: no access line for %s", resp.Proto, id)
		}
	}
}

// smallWindowDial connects with a 4 KB receive buffer, so that a client
// that stops reading stops the server's writes within a few packets.
func smallWindowDial(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	return d.DialContext(ctx, network, addr)
}

// stalled sends GET path on a small-window connection, reads the
// response head and then stops reading. It returns the connection, open.
func stalled(t *testing.T, addr, path string) net.Conn {
	t.Helper()
	conn, err := smallWindowDial(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	head := make([]byte, 12)
	if _, err := io.ReadFull(conn, head); err != nil || string(head) != "HTTP/1.1 200" {
		t.Fatalf("GET %s: %q %v", path, head, err)
	}
	return conn
}

// untilServed asks for / until it gets a 200, at most for limit, and
// returns how long that took and the statuses seen on the way. Every
// answer other than 200 or 503 fails the test.
func untilServed(t *testing.T, p *proc, limit time.Duration) (time.Duration, map[int]int) {
	t.Helper()
	began := time.Now()
	seen := map[int]int{}
	for time.Since(began) < limit {
		code, _, _ := get(t, p.url("/"))
		seen[code]++
		if code == 200 {
			return time.Since(began), seen
		}
		if code != 503 {
			t.Fatalf("GET / = %d", code)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return -1, seen
}

// Item 2: clients that accept no bytes lose their pool slots after
// send_timeout, for static files (sendfile) and for handlers' writes.
func TestNonReadingClientsGiveUpTheirSlots(t *testing.T) {
	root := bigFile(t, "big.bin", 16<<20)
	p := start(t, map[string]string{"api.ini": wireApps(root) + local + "wsgi_default_pool_size = 4\nsend_timeout = 1\n"})
	cut := 0
	for _, paths := range [][]string{
		{"/files/big.bin", "/files/big.bin", "/files/big.bin", "/files/big.bin"},
		{"/stream", "/stream", "/stream", "/stream"},
	} {
		t.Run(paths[0], func(t *testing.T) {
			for _, path := range paths {
				stalled(t, p.addr, path)
			}
			if code, _, _ := get(t, p.url("/")); code != 503 {
				t.Fatalf("with four stalled downloads and a pool of four: %d, want 503", code)
			}
			took, seen := untilServed(t, p, 8*time.Second)
			if took < 0 {
				t.Fatalf("still no slot after 8 s (%v): the stalled clients keep the pool", seen)
			}
			t.Logf("a slot came back after %s (%v)", took.Round(time.Millisecond), seen)
			// All four are cut, each with its log line, soon after the
			// first (a handler slow to make its bytes, as under -race,
			// fills its socket later). The clients stay connected until
			// then: closing one would end its download another way.
			cut += len(paths)
			n := 0
			for deadline := time.Now().Add(8 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				if n = strings.Count(p.logText(), "client accepted no response data"); n >= cut {
					break
				}
			}
			if n != cut {
				t.Errorf("%d log lines about stalled clients, want %d:\n%s", n, cut, p.eventsText())
			}
		})
	}
}

// Without send_timeout, client_socket_timeout cuts a client that accepts
// nothing, as eventlet's socket timeout did.
func TestClientSocketTimeoutCutsNonReader(t *testing.T) {
	root := bigFile(t, "big.bin", 16<<20)
	p := start(t, map[string]string{"api.ini": wireApps(root) + local + "wsgi_default_pool_size = 1\nclient_socket_timeout = 1\n"})
	stalled(t, p.addr, "/files/big.bin")
	if code, _, _ := get(t, p.url("/")); code != 503 {
		t.Fatalf("with a stalled download and a pool of one: %d, want 503", code)
	}
	if took, seen := untilServed(t, p, 8*time.Second); took < 0 {
		t.Fatalf("still no slot after 8 s (%v)", seen)
	}
}

// A client that reads slowly, with pauses shorter than send_timeout,
// gets every byte, from sendfile and from writes.
func TestSlowReaderGetsEveryByte(t *testing.T) {
	const size = 12 << 20
	root := bigFile(t, "big.bin", size)
	p := start(t, map[string]string{"api.ini": wireApps(root) + local + "send_timeout = 1\n"})
	var wg sync.WaitGroup
	for _, path := range []string{"/files/big.bin", fmt.Sprintf("/stream?kb=%d", size>>10)} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := smallWindowDial(context.Background(), "tcp", p.addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path)
			r := bufio.NewReader(conn)
			conn.SetReadDeadline(time.Now().Add(60 * time.Second))
			resp, err := http.ReadResponse(r, nil)
			if err != nil {
				t.Errorf("%s: %v", path, err)
				return
			}
			defer resp.Body.Close()
			// 1 MB at a time, then a pause of 0.4 s: the server's writes
			// wait about that long between bursts.
			buf := make([]byte, 1<<20)
			got, bad := 0, -1
			for {
				n, err := io.ReadFull(resp.Body, buf)
				for i := 0; i < n && bad < 0; i++ {
					if buf[i] != byte((got+i)%251) {
						bad = got + i
					}
				}
				got += n
				if err != nil {
					break
				}
				time.Sleep(400 * time.Millisecond)
			}
			if got != size || bad >= 0 {
				t.Errorf("%s: read %d of %d bytes, first wrong byte at %d", path, got, size, bad)
			}
		}()
	}
	wg.Wait()
	if strings.Contains(p.logText(), "client accepted no response data") {
		t.Errorf("a slow reader was taken for a stalled one:\n%s", p.eventsText())
	}
}

// Over HTTP/2 a client stalls a stream by granting it no flow-control
// window while it keeps the connection itself busy; that is cut too.
func TestHTTP2StreamStallGivesUpItsSlot(t *testing.T) {
	k := newPKI(t)
	root := bigFile(t, "big.bin", 4<<20)
	files := k.files("wsgi_default_pool_size = 1\nsend_timeout = 1\n")
	files["api.ini"] = strings.Replace(files["api.ini"], urlmap+apps, wireApps(root), 1)
	p := start(t, files)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: k.pool}, ForceAttemptHTTP2: true,
		HTTP2: &http.HTTP2Config{MaxReceiveBufferPerStream: 16 << 10}}
	c := &http.Client{Timeout: 10 * time.Second, Transport: tr}
	resp, err := c.Get("https://" + p.addr + "/files/big.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.StatusCode != 200 {
		t.Fatalf("%s %d", resp.Proto, resp.StatusCode)
	}
	// The body is never read: the stream's window stays shut.
	other := tlsClient(k, &tls.Config{})
	began := time.Now()
	for {
		resp, err := other.Get("https://" + p.addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Logf("a slot came back after %s", time.Since(began).Round(time.Millisecond))
			break
		}
		if resp.StatusCode != 503 || time.Since(began) > 8*time.Second {
			t.Fatalf("%d after %s: the stalled stream keeps the slot", resp.StatusCode, time.Since(began))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Over TLS the no-progress limit holds below the TLS layer: a client
// that stops reading an HTTP/1.1 response gives its slot back.
func TestTLSNonReaderGivesUpItsSlot(t *testing.T) {
	k := newPKI(t)
	files := k.files("wsgi_default_pool_size = 1\nsend_timeout = 1\n")
	files["api.ini"] = strings.Replace(files["api.ini"], urlmap+apps, wireApps(t.TempDir()), 1)
	p := start(t, files)
	raw, err := smallWindowDial(context.Background(), "tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	conn := tls.Client(raw, &tls.Config{RootCAs: k.pool, ServerName: "127.0.0.1", NextProtos: []string{"http/1.1"}})
	defer conn.Close()
	io.WriteString(conn, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	head := make([]byte, 12)
	if _, err := io.ReadFull(conn, head); err != nil || string(head) != "HTTP/1.1 200" {
		t.Fatalf("%q %v", head, err)
	}
	other := tlsClient(k, &tls.Config{})
	began := time.Now()
	for {
		resp, err := other.Get("https://" + p.addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Logf("a slot came back after %s", time.Since(began).Round(time.Millisecond))
			break
		}
		if resp.StatusCode != 503 || time.Since(began) > 8*time.Second {
			t.Fatalf("%d after %s: the stalled client keeps the slot", resp.StatusCode, time.Since(began))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
