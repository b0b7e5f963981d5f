package server

import (
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// BenchmarkLogWriter is what the log's writer costs a line, off the
// request path included: two goroutines write access-line-sized lines
// to a LogWriter whose output is a file, as the binary's standard error
// is under bench/serve.sh, at 40,000 lines a second in all (each in
// bursts of 256 every 12.8 ms: a writer flat out only measures how many lines the
// ring drops), and the process's CPU time (user and system, the
// writer's goroutine and its write system calls included) is reported
// per line (cpu-ns/op). Close, which writes out what is still waiting,
// is inside the measurement. "pacing" is the same loop writing to
// io.Discard: subtract it. -benchtime 40000x is a second.
// Run: go test ./server -run - -bench LogWriter -benchmem -benchtime 40000x
func BenchmarkLogWriter(b *testing.B) {
	b.Run("pacing", func(b *testing.B) { benchLogWriter(b, false) })
	b.Run("file", func(b *testing.B) { benchLogWriter(b, true) })
}

func benchLogWriter(b *testing.B, on bool) {
	f, err := os.Create(filepath.Join(b.TempDir(), "log"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var w io.Writer = io.Discard
	lw := NewLogWriter(f, nil)
	if on {
		w = lw
	}
	line := []byte(`{"level":"info","service":"pasteserve","request_id":"req-6f931771-b693-40a2-b6cb-ece2a9dda677","client_ip":"127.0.0.1","client_port":"51234","request_line":"GET /v2.0/ HTTP/1.1","status_code":200,"body_length":112,"wall_seconds":0.000031,"time":"2026-12-02T01:50:00Z","message":"127.0.0.1 \"GET /v2.0/ HTTP/1.1\" status: 200  len: 112 time: 0.0000310"}` + "\n")
	const burst, every = 256, 12800 * time.Microsecond // per goroutine: 20,000 lines/s
	b.ReportAllocs()
	cpu0 := processCPU()
	start := time.Now()
	var wg sync.WaitGroup
	for g := range 2 {
		n := b.N / 2
		if g == 0 {
			n += b.N % 2
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				if i%burst == 0 {
					time.Sleep(time.Until(start.Add(time.Duration(i/burst) * every)))
				}
				w.Write(line)
			}
		}()
	}
	wg.Wait()
	lw.Close()
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
	if !on {
		return
	}
	st, _ := f.Stat()
	if want := int64(len(line)) * int64(b.N); st.Size()+int64(lw.Dropped())*int64(len(line)) != want || lw.Dropped() != 0 {
		b.Errorf("%d bytes out, %d lines dropped, want all %d bytes out", st.Size(), lw.Dropped(), want)
	}
}
