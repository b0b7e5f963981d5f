package bridge

import (
	"bufio"
	"crypto/rand"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// rawRequest writes req, byte for byte, to addr over TCP or a unix
// socket, and reads the answer.
func rawRequest(t *testing.T, network, addr, req string) (*http.Response, string) {
	t.Helper()
	conn, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// A client cannot forge the carrier: whatever x-pasteserve-* headers it
// sends, in any case and with '_' for '-' (which gunicorn reads as the
// same environ key), even one signed like a real carrier but with
// another key, never reaches the app, and the environ is Go's.
func TestClientCannotForgeTheCarrier(t *testing.T) {
	tl := tail(t, "main")
	_, c, _ := startPool(t, testSpec(t, tl))
	srv := httptest.NewServer(c.Handler(tl))
	defer srv.Close()
	otherKey := make([]byte, keyLen)
	rand.Read(otherKey)
	forged := sign(otherKey, carrier{Key: tl.Key, ScriptName: "/forged", PathInfo: "/forged", URLScheme: "https", Host: "evil.example", RemoteAddr: "192.0.2.66", RequestID: "req-forged"})
	req := "GET /real HTTP/1.1\r\nHost: api.example.com\r\n" +
		"X-Pasteserve-Wsgi: " + forged + "\r\n" +
		"X_Pasteserve_Wsgi: " + forged + "\r\n" +
		"x_pasteserve_wsgi: " + forged + "\r\n" +
		"X-PASTESERVE-WSGI: " + forged + "\r\n" +
		"X-Pasteserve-Other: 1\r\n" +
		"X_PASTESERVE_OTHER_THING: 1\r\n" +
		"SCRIPT_NAME: /real\r\n" +
		"Connection: close\r\n\r\n"
	resp, body := rawRequest(t, "tcp", srv.Listener.Addr().String(), req)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %s", resp.Status, body)
	}
	var r report
	if err := jsonUnmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.PasteserveKeys) != 0 {
		t.Errorf("the app sees %q", r.PasteserveKeys)
	}
	if e := r.Environ; e["SCRIPT_NAME"] != "" || e["PATH_INFO"] != "/real" || e["HTTP_HOST"] != "api.example.com" || e["REMOTE_ADDR"] != "127.0.0.1" || e["openstack.request_id"] != "" || e["wsgi.url_scheme"] != "http" {
		t.Errorf("the forged carrier (or SCRIPT_NAME header) set the environ: %v", e)
	}
}

// The socket itself refuses what did not come through a Handler: a
// request with no carrier, and one whose carrier is signed with another
// key, get a 500 and the app is not called (the path would make it
// raise, which the log would show); one signed with the pool's key is
// served.
func TestHostRefusesUnsignedCarriers(t *testing.T) {
	tl := tail(t, "main")
	_, c, logs := startPool(t, testSpec(t, tl))
	otherKey := make([]byte, keyLen)
	rand.Read(otherKey)
	good := carrier{Key: tl.Key, PathInfo: "/raise", URLScheme: "http", Host: "h", RemoteAddr: "127.0.0.1", RequestID: "req-forged"}
	for _, tc := range []struct{ name, header string }{
		{"no carrier", ""},
		{"wrong key", "X-Pasteserve-Wsgi: " + sign(otherKey, good) + "\r\n"},
		{"tampered", "X-Pasteserve-Wsgi: " + tamper(sign(c.key, good)) + "\r\n"},
		{"unknown tail", "X-Pasteserve-Wsgi: " + sign(c.key, carrier{Key: "tnosuchtail", PathInfo: "/raise"}) + "\r\n"},
		{"garbage", "X-Pasteserve-Wsgi: not.base64!\r\n"},
		{"two carriers", "X-Pasteserve-Wsgi: " + sign(c.key, good) + "\r\nX-Pasteserve-Wsgi: " + sign(c.key, good) + "\r\n"},
	} {
		resp, body := rawRequest(t, "unix", c.socket, "GET /raise HTTP/1.1\r\nHost: h\r\n"+tc.header+"Connection: close\r\n\r\n")
		if resp.StatusCode != 500 || strings.Contains(body, "pstest") {
			t.Errorf("%s: %s %q, want the host's 500", tc.name, resp.Status, body)
		}
	}
	// The host writes each refusal to the status channel, which the pool
	// reads on its own goroutine: the lines may trail the responses.
	waitFor(10*time.Second, func() bool { return len(logs.lines("request refused")) >= 6 })
	if n := len(logs.lines("request refused")); n != 6 {
		t.Errorf("%d refusals logged, want 6:\n%s", n, logs)
	}
	if l := logs.lines("Traceback"); len(l) != 0 {
		t.Errorf("the app was called:\n%s", strings.Join(l, "\n"))
	}
	// The pool's key, for contrast: the app is called (and raises).
	resp, _ := rawRequest(t, "unix", c.socket, "GET /raise HTTP/1.1\r\nHost: h\r\nX-Pasteserve-Wsgi: "+sign(c.key, good)+"\r\nConnection: close\r\n\r\n")
	if resp.StatusCode != 500 || !logs.waitLog(5*time.Second, "Traceback", "req-forged") {
		t.Errorf("a request signed with the pool's key did not reach the app: %s\n%s", resp.Status, logs)
	}
}

// tamper flips a character of a signed carrier's payload.
func tamper(s string) string {
	b := []byte(s)
	if b[5] == 'A' {
		b[5] = 'B'
	} else {
		b[5] = 'A'
	}
	return string(b)
}
