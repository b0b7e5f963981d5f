package server

import (
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
