package server_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Tests of what goes over the wire: request framing (smuggling), header
// limits and their 431s, and clients that stop reading. They speak raw
// bytes where the bytes matter.

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
