package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/reqlog"
)

// BenchmarkAccessLog is what the access log costs a whole request: the
// server's layers around a bare handler, served on 127.0.0.1 to a
// keep-alive client on a raw socket, with access_log off and on, the
// lines going to a file as the binary's go to standard error. Besides
// the wall time per request it reports the process's CPU time per
// request (cpu-ns/op, user and system, from getrusage), which counts
// what the log costs off the request's goroutine too; the client's
// share is the same in both.
// Run: go test ./server -run - -bench AccessLog -benchmem
func BenchmarkAccessLog(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "log"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			log, closeLog := benchLogger(f)
			o := Defaults()
			o.AccessLog = on
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			srv, _, wrapped := newServing(o, log, bareHandler, ln)
			go srv.Serve(wrapped)
			defer srv.Close()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			br := bufio.NewReader(c)
			req := []byte("GET /v2.0/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\n\r\n")
			roundTrip := func() {
				if _, err := c.Write(req); err != nil {
					b.Fatal(err)
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatal(resp.Status)
				}
			}
			roundTrip() // the connection's first request
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				roundTrip()
			}
			closeLog() // what is still queued is part of the cost
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// benchLogger is the logger BenchmarkAccessLog's server writes to f
// with, as the binary's writes to standard error (a LogWriter), and
// what flushes it.
func benchLogger(f *os.File) (zerolog.Logger, func()) {
	lw := NewLogWriter(f, nil)
	return zerolog.New(lw).Hook(reqlog.Timestamp{}).With().Str("service", "pasteserve").Logger(), func() { lw.Close() }
}

// processCPU is the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
