package server

import (
	"bufio"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestLogFormat(t *testing.T) {
	a := accessFields{ip: "192.0.2.1", port: "5555", line: "GET /v2.0 HTTP/1.1", status: 200, size: 42, took: 1500 * time.Microsecond}
	for format, want := range map[string]string{
		Defaults().LogFormat:                            `192.0.2.1 "GET /v2.0 HTTP/1.1" status: 200  len: 42 time: 0.0015000`,
		"%(client_ip)s:%(client_port)s %(status_code)d": "192.0.2.1:5555 200",
		"%(wall_seconds).2f %(nosuch)s end":             "0.00 %(nosuch) end",
		"plain text, no fields":                         "plain text, no fields",
	} {
		if got := compileLogFormat(format)(a); got != want {
			t.Errorf("%q: got %q, want %q", format, got, want)
		}
	}
}

func TestMustClose(t *testing.T) {
	for _, tc := range []struct {
		raw   string
		close bool
	}{
		{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", false},
		{"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx", false},
		{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", true},
		{"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", true},
		{"GET / HTTP/1.0\r\n\r\n", false}, // closes anyway
		{"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true},
		{"POST / HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", true},
	} {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(tc.raw)))
		if err != nil {
			t.Fatal(err)
		}
		if got := mustClose(r); got != tc.close {
			t.Errorf("%q: close=%v, want %v", tc.raw, got, tc.close)
		}
	}
}

// The guard counts the request line and headers exactly as they came.
func TestHeaderSizeIsExact(t *testing.T) {
	raw := "GET /v2.0/networks?fields=id HTTP/1.1\r\nHost: neutron.example:9696\r\nX-Auth-Token: gAAAAAB\r\nAccept: application/json\r\nX_Forged: dropped, but sent\r\n\r\n"
	for _, tc := range []struct {
		max  int
		code int
	}{{len(raw), 200}, {len(raw) - 1, 431}} {
		o := Defaults()
		o.MaxHeaderSize = tc.max
		h := guard(o, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			t.Fatal(err)
		}
		r.RequestURI = "/v2.0/networks?fields=id"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.code || tc.code == 431 && !strings.Contains(w.Body.String(), fmt.Sprintf("are %d bytes; this server accepts at most %d (max_header_size)", len(raw), tc.max)) {
			t.Errorf("max_header_size %d for a %d-byte head: %d %q", tc.max, len(raw), w.Code, w.Body.String())
		}
	}
}

// Go adds "Cache-Control: no-cache" to a request that sent only
// "Pragma: no-cache"; the guard does not count what was not sent.
// Before, a 45-byte head with max_header_size = 45 got 431 "are 70 bytes".
func TestHeaderSizeLeavesOutWhatGoAdds(t *testing.T) {
	raw := "GET / HTTP/1.1\r\nHost: x\r\nPragma: no-cache\r\n\r\n"
	for _, tc := range []struct {
		max  int
		code int
	}{{len(raw), 200}, {len(raw) - 1, 431}} {
		o := Defaults()
		o.MaxHeaderSize = tc.max
		h := guard(o, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			t.Fatal(err)
		}
		if r.Header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("Go no longer adds Cache-Control for Pragma: %q", r.Header)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.code || tc.code == 431 && !strings.Contains(w.Body.String(), fmt.Sprintf("are %d bytes;", len(raw))) {
			t.Errorf("max_header_size %d for a %d-byte head: %d %q", tc.max, len(raw), w.Code, w.Body.String())
		}
	}
}

// blockingWriter stands for net/http's HTTP/2 writer: each Write waits
// for the client's window (delay, or until a deadline in the past
// resets the stream).
type blockingWriter struct {
	httptest.ResponseRecorder
	delay time.Duration
	reset chan struct{}
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	select {
	case <-time.After(b.delay):
		return len(p), nil
	case <-b.reset:
		return 0, errors.New("stream reset")
	}
}

func (b *blockingWriter) SetWriteDeadline(t time.Time) error {
	if t.Before(time.Now()) {
		close(b.reset)
	}
	return nil
}

// The HTTP/2 stream clock runs only while a write waits, and resets the
// stream when one has waited for the whole limit.
func TestStreamWriter(t *testing.T) {
	log := zerolog.Nop()
	w := &blockingWriter{delay: 150 * time.Millisecond, reset: make(chan struct{})}
	s := &streamWriter{ResponseWriter: w, limit: 400 * time.Millisecond, log: &log}
	// Slow pieces, each under the limit, and a pause longer than it
	// between writes: never cut.
	if n, err := s.Write(make([]byte, 3*streamChunk)); n != 3*streamChunk || err != nil {
		t.Fatalf("slow writes: %d %v", n, err)
	}
	time.Sleep(600 * time.Millisecond)
	if n, err := s.Write(make([]byte, 10)); n != 10 || err != nil {
		t.Fatalf("after a pause: %d %v", n, err)
	}
	// A piece that never goes out: reset after the limit.
	w.delay = time.Hour
	began := time.Now()
	if _, err := s.Write(make([]byte, 10)); err == nil || time.Since(began) < 400*time.Millisecond || time.Since(began) > 3*time.Second {
		t.Errorf("stalled write ended after %s with %v; want a reset after 0.4 s", time.Since(began), err)
	}
	s.stop()
}
