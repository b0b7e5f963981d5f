package server_test

import (
	"bufio"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pasteserve/pasteserve/server"
)

// plainHTTPToTLS speaks plain HTTP to the TLS port on a raw socket and
// returns the status line: net/http answers 400 itself and logs a TLS
// handshake error.
func plainHTTPToTLS(t *testing.T, addr string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	return strings.TrimSpace(line)
}

// logMaps returns the log lines as JSON objects, and the lines that are
// not JSON.
func logMaps(p *proc) (maps []map[string]any, plain []string) {
	for _, line := range strings.Split(strings.TrimSpace(p.logText()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			plain = append(plain, line)
			continue
		}
		maps = append(maps, m)
	}
	return maps, plain
}

// net/http's own errors (here: TLS handshake errors) are zerolog lines in
// the JSON stream, with a component, and a client cannot flood the log
// with them: at most server.ErrorLogRate a second, the rest counted.
func TestNetHTTPErrorsJoinTheLog(t *testing.T) {
	k := newPKI(t)
	p := start(t, k.files(""))
	if got := plainHTTPToTLS(t, p.addr); got != "HTTP/1.0 400 Bad Request" {
		t.Errorf("plain HTTP to the TLS port: %q", got)
	}
	handshake := func(m map[string]any) bool {
		s, _ := m["message"].(string)
		return strings.HasPrefix(s, "http: TLS handshake error from 127.0.0.1:") && strings.HasSuffix(s, ": client sent an HTTP request to an HTTPS server")
	}
	deadline := time.Now().Add(10 * time.Second)
	for n := 0; n == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		maps, _ := logMaps(p)
		for _, m := range maps {
			if handshake(m) {
				n++
				if m["level"] != "warn" || m["component"] != "http.Server" || m["service"] != "pasteserve" {
					t.Errorf("handshake error line: %v", m)
				}
			}
		}
	}
	maps, plain := logMaps(p)
	var first int
	for _, m := range maps {
		if handshake(m) {
			first++
		}
	}
	if first != 1 || len(plain) > 0 {
		t.Fatalf("%d handshake error lines for one connection, want 1 JSON line; lines that are not JSON: %q\n%s", first, plain, p.logText())
	}

	// A burst: every connection is either logged or counted, and no more
	// than the rate is logged.
	const burst = 60
	began := time.Now()
	for i := 0; i < burst; i++ {
		if got := plainHTTPToTLS(t, p.addr); got != "HTTP/1.0 400 Bad Request" {
			t.Fatalf("connection %d: %q", i, got)
		}
	}
	elapsed := time.Since(began)
	var logged, suppressed, reports int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		logged, suppressed, reports = -first, 0, 0
		maps, _ := logMaps(p)
		for _, m := range maps {
			switch {
			case handshake(m):
				logged++
			case m["suppressed"] != nil:
				if m["level"] != "warn" || m["component"] != "http.Server" {
					t.Errorf("suppressed count line: %v", m)
				}
				reports++
				suppressed += int(m["suppressed"].(float64))
			}
		}
		if logged+suppressed >= burst {
			break
		}
	}
	if logged+suppressed != burst {
		t.Errorf("%d connections: %d handshake errors logged and %d counted as suppressed, want them to add up\n%s", burst, logged, suppressed, p.eventsText())
	}
	// Each started second of the burst, and the one in which the first
	// connection's window began, may log ErrorLogRate lines.
	if most := server.ErrorLogRate * (int(elapsed/time.Second) + 2); logged > most {
		t.Errorf("%d handshake errors logged in %s; at most %d a second may be", logged, elapsed, server.ErrorLogRate)
	}
	if _, plain := logMaps(p); len(plain) > 0 {
		t.Errorf("lines that are not JSON: %q", plain)
	}
	if reports == 0 || suppressed == 0 {
		t.Errorf("a burst of %d in %s: no suppressed count logged\n%s", burst, elapsed, p.eventsText())
	}
	t.Logf("%d connections in %s: %d logged, %d suppressed in %d report(s)", burst, elapsed, logged, suppressed, reports)
}

// A SIGHUP after replacing the certificate logs the new one's subject
// and expiry; a SIGHUP that changes nothing logs no certificate. With
// workers the master logs it, once the workers are replaced.
func TestTLSReloadLogsCertificateChange(t *testing.T) {
	for _, tc := range []struct {
		name, reloaded string
		args           []string
	}{
		{"single process", "reloaded: new requests use the rebuilt pipeline", nil},
		{"workers", "reloaded: every worker replaced", []string{"--workers", "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newPKI(t)
			p := start(t, k.files(""), tc.args...)
			// Until the reload: no certificate line.
			p.signal(syscall.SIGHUP)
			for {
				m, err := p.nextAny(20 * time.Second)
				if err != nil {
					t.Fatalf("%v\n%s", err, p.eventsText())
				}
				if m["message"] == "TLS certificate changed" {
					t.Errorf("a reload that changed nothing logged %v", m)
				}
				if m["message"] == "reloaded: new requests use the rebuilt pipeline" {
					if s, ok := m["took_seconds"].(float64); !ok || s <= 0 || s > 10 || m["took"] != nil {
						t.Errorf("the reload line gives its duration as %v (took_seconds), %v (took)", m["took_seconds"], m["took"])
					}
				}
				if m["message"] == tc.reloaded {
					break
				}
			}
			os.WriteFile(filepath.Join(p.dir, "server.pem"), k.otherServer, 0o644)
			os.WriteFile(filepath.Join(p.dir, "server.key"), k.otherKey, 0o644)
			p.signal(syscall.SIGHUP)
			m, err := p.nextLog("TLS certificate changed", 20*time.Second)
			if err != nil {
				t.Fatalf("%v\n%s", err, p.eventsText())
			}
			block, _ := pem.Decode(k.otherServer)
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"subject": "CN=server-2", "issuer": "CN=test CA", "serial": "4", "not_after": cert.NotAfter.UTC().Format(time.RFC3339),
				"previous_subject": "CN=server", "level": "info"}
			for key, v := range want {
				if m[key] != v {
					t.Errorf("%s = %v, want %v (line %v)", key, m[key], v, m)
				}
			}
			if err := p.waitFor(tc.reloaded, 20*time.Second); err != nil {
				t.Fatalf("%v\n%s", err, p.eventsText())
			}
		})
	}
}

// nextAny returns the next log line (access lines aside).
func (p *proc) nextAny(timeout time.Duration) (map[string]any, error) {
	select {
	case m := <-p.logs:
		return m, nil
	case err := <-p.exit:
		p.exit <- err
		return nil, err
	case <-time.After(timeout):
		return nil, os.ErrDeadlineExceeded
	}
}

// A graceful stop loses no access line, though the lines are written
// off the request path: each process writes out what it queued before
// it exits. N requests on keep-alive connections of a client that
// never retries, as fast as the server answers them, then SIGTERM: N
// access lines. With workers, a SIGHUP in between replaces every
// worker (each drains and exits), and the lines of the old ones and the
// new ones are all there.
func TestGracefulStopLosesNoAccessLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"single process", nil},
		{"workers, reloaded", []string{"--workers", "2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := start(t, map[string]string{"api.ini": urlmap + apps + local}, tc.args...)
			sent := 0
			burst := func(n int) {
				t.Helper()
				for c := 0; c < 4; c++ {
					sent += rawRequests(t, p.addr, fmt.Sprintf("/n/%s/", tc.name[:1]), n/4)
				}
			}
			const n = 4000
			burst(n / 2)
			if tc.args != nil {
				p.signal(syscall.SIGHUP)
				if err := p.waitFor("reloaded: every worker replaced", 30*time.Second); err != nil {
					t.Fatalf("%v\n%s", err, p.eventsText())
				}
			}
			burst(n / 2)
			p.signal(syscall.SIGTERM)
			if err := p.wait(30 * time.Second); err != nil {
				t.Fatalf("exit: %v\n%s", err, p.eventsText())
			}
			got := strings.Count(p.logText(), `"request_line":"GET /n/`)
			if sent != n || got != n {
				t.Errorf("%d requests answered, %d access lines; want %d of each\n%s", sent, got, n, p.eventsText())
			}
			if strings.Contains(p.logText(), "dropped") {
				t.Errorf("lines dropped:\n%s", p.eventsText())
			}
		})
	}
}

// rawRequests sends n GET requests for prefix+i on keep-alive
// connections, each after the last answer, and returns how many were
// answered 200. It opens a connection at the start, and a new one only
// after a response that said Connection: close, as an HTTP/1.1 client
// must (RFC 9112, section 9.6): that is how a draining server, or a
// worker a reload replaced, tells a client that is using its connection
// to open another. A failure ends the test: the client does not retry.
//
// It used to send the next request on the connection regardless, and
// then failed with an EOF or a reset whenever a connection of the burst
// after a reload was accepted by an old worker in the moment between the
// master's SIGTERM and the worker's drain (the reload's log line comes
// right after the signal is sent): the worker answered with Connection:
// close, as it must, and closed the connection, on which the client had
// already sent its next request.
func rawRequests(t *testing.T, addr, prefix string, n int) int {
	t.Helper()
	var c net.Conn
	var br *bufio.Reader
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	ok := 0
	for i := 0; i < n; i++ {
		if c == nil {
			var err error
			if c, err = net.DialTimeout("tcp", addr, 5*time.Second); err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
			br = bufio.NewReader(c)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := fmt.Fprintf(c, "GET %s%d HTTP/1.1\r\nHost: x\r\n\r\n", prefix, i); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("request %d: %s", i, resp.Status)
		}
		ok++
		if resp.Close {
			c.Close()
			c = nil
		}
	}
	return ok
}
