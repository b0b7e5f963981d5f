package server

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"
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
