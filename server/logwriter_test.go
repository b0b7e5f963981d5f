package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// Lines written to a LogWriter come out in order, within 100 ms, and
// Close writes out every line written before it.
func TestLogWriterKeepsEveryLine(t *testing.T) {
	var out syncBuffer
	lw := NewLogWriter(&out, nil)
	log := zerolog.New(lw)
	log.Info().Int("n", 0).Msg("first")
	deadline := time.Now().Add(100 * time.Millisecond)
	for !strings.Contains(out.String(), `"n":0`) {
		if time.Now().After(deadline) {
			// Rerun alone before concluding: a loaded machine can
			// hold the goroutine back.
			t.Fatalf("a line is not out 100 ms after it was written: %q", out.String())
		}
		time.Sleep(time.Millisecond)
	}
	// Fewer than the ring holds, so that none may be dropped however far
	// behind the writer's goroutine is (a burst past the ring may drop
	// lines, counted: TestLogWriterDropsRatherThanBlocks): Close must
	// write out every one.
	const n = logRingSize * 3 / 4
	for i := 1; i <= n; i++ {
		log.Info().Int("n", i).Msg("burst")
	}
	if err := lw.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	dropped := lw.Dropped()
	if len(lines) != n+1 || dropped != 0 {
		t.Fatalf("%d lines out and %d dropped, want all %d out", len(lines), dropped, n+1)
	}
	last := -1
	for _, l := range lines {
		var m struct{ N int }
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%v: %q", err, l)
		}
		if m.N <= last {
			t.Fatalf("line %d after line %d", m.N, last)
		}
		last = m.N
	}
	// After Close, a line goes straight out.
	log.Info().Msg("late")
	if !strings.HasSuffix(out.String(), `"message":"late"}`+"\n") {
		t.Errorf("a line written after Close is not out: %q", out.String()[max(0, len(out.String())-200):])
	}
	t.Logf("%d lines, %d dropped", len(lines), dropped)
}

// The console writer runs behind the ring, one line at a time, though
// the output gets many lines in one write.
func TestLogWriterRendersEachLine(t *testing.T) {
	var out syncBuffer
	lw := NewLogWriter(&out, func(w io.Writer) io.Writer { return zerolog.ConsoleWriter{Out: w, NoColor: true} })
	log := zerolog.New(lw)
	for i := range 3 {
		log.Info().Int("n", i).Msg("hello")
	}
	lw.Close()
	if got := out.String(); strings.Count(got, "INF hello n=") != 3 || strings.Contains(got, "{") {
		t.Errorf("console lines:\n%s", got)
	}
}

// stalledOutput takes nothing until released, as a stalled pipe.
type stalledOutput struct {
	release chan struct{}
	out     syncBuffer
}

func (b *stalledOutput) Write(p []byte) (int, error) {
	<-b.release
	return b.out.Write(p)
}

// While the log's output takes nothing, requests are still served, at
// their usual pace: none waits for the log. The lines that do not fit
// the ring are dropped and counted, and the count is logged, at most
// once a second and when the LogWriter closes, so that every line is
// either written or counted.
func TestLogWriterDropsRatherThanBlocks(t *testing.T) {
	bw := &stalledOutput{release: make(chan struct{})}
	lw := newLogWriter(bw, nil, 16)
	var reports syncBuffer
	lw.ReportDropsTo(zerolog.New(&reports))
	log := zerolog.New(lw).With().Str("service", "pasteserve").Logger()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, _, wrapped := newServing(Defaults(), log, bareHandler, ln)
	go srv.Serve(wrapped)
	defer srv.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	const requests = 2000
	began := time.Now()
	var slowest time.Duration
	failed := 0
	for i := range requests {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		start := time.Now()
		fmt.Fprintf(c, "GET /r/%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d: %v (after %d served in %s)", i, err, i, time.Since(began))
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			failed++
		}
		slowest = max(slowest, time.Since(start))
	}
	served := time.Since(began)
	// Held for over a second, so that the rate limit lets a report out.
	time.Sleep(1200 * time.Millisecond)
	if failed > 0 || slowest > time.Second {
		t.Errorf("with the log's output stalled: %d of %d requests failed, the slowest took %s", failed, requests, slowest)
	}
	close(bw.release)
	if err := lw.Close(); err != nil {
		t.Fatal(err)
	}

	written := strings.Count(bw.out.String(), `"request_line"`)
	dropped := lw.Dropped()
	if dropped == 0 || uint64(written)+dropped != requests {
		t.Errorf("%d access lines written and %d dropped, want some dropped and %d in all", written, dropped, requests)
	}
	var reported uint64
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(reports.String()), "\n") {
		var m struct {
			Level        string
			Message      string
			DroppedLines uint64 `json:"dropped_lines"`
			Total        uint64 `json:"dropped_lines_total"`
		}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("report %q: %v", l, err)
		}
		if m.Level != "warn" || m.Message != fmt.Sprintf("dropped %d log lines: the log's output did not keep up", m.DroppedLines) {
			t.Errorf("report line %s", l)
		}
		reported += m.DroppedLines
		lines = append(lines, l)
	}
	if reported != dropped {
		t.Errorf("reports add up to %d dropped lines, %d were:\n%s", reported, dropped, reports.String())
	}
	// One report while stalled (the rate allows one a second), one at
	// Close for what came after.
	if len(lines) < 1 || len(lines) > 3 {
		t.Errorf("%d reports in %s:\n%s", len(lines), served+1200*time.Millisecond, reports.String())
	}
	t.Logf("%d requests in %s (slowest %s): %d lines written, %d dropped, %d reports", requests, served, slowest, written, dropped, len(lines))
}

// A LogWriter's Close gives up on an output that takes nothing, rather
// than keep the process from exiting.
func TestLogWriterCloseDoesNotHang(t *testing.T) {
	defer func(d time.Duration) { logCloseWait = d }(logCloseWait)
	logCloseWait = 300 * time.Millisecond
	bw := &stalledOutput{release: make(chan struct{})}
	defer close(bw.release)
	lw := NewLogWriter(bw, nil)
	log := zerolog.New(lw)
	log.Info().Msg("stuck")
	began := time.Now()
	if err := lw.Close(); err == nil || time.Since(began) > logCloseWait+5*time.Second {
		t.Errorf("Close on a stalled output: %v after %s", err, time.Since(began))
	}
}

// writeSizes records the size of every write and whether it ended at a
// line's end.
type writeSizes struct {
	mu     sync.Mutex
	sizes  []int
	broken int // writes that did not end with a newline
}

func (w *writeSizes) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sizes = append(w.sizes, len(p))
	if len(p) == 0 || p[len(p)-1] != '\n' {
		w.broken++
	}
	return len(p), nil
}

// The workers of a pre-fork server share their master's stderr, a pipe
// under systemd or a container runtime: a write to it is atomic only up
// to PIPE_BUF (4096 bytes on Linux), so a batch of lines must never be
// written in one longer write, or another process's line lands in the
// middle of one of ours (TestWorkersReloadWithoutDroppingRequests found
// a line cut so).
func TestLogWriterWritesAtMostPipeBufAtOnce(t *testing.T) {
	out := &writeSizes{}
	l := newLogWriter(out, nil, 1<<14)
	line := []byte(strings.Repeat("x", 299) + "\n")
	long := []byte(strings.Repeat("y", 9999) + "\n")
	for i := 0; i < 2000; i++ {
		l.Write(line)
		if i == 1000 {
			l.Write(long)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	out.mu.Lock()
	defer out.mu.Unlock()
	total := 0
	for _, n := range out.sizes {
		total += n
		if n > 4096 && n != len(long) {
			t.Errorf("a write of %d bytes: more than PIPE_BUF (4096), and not one long line", n)
		}
	}
	if want := 2000*len(line) + len(long); total != want {
		t.Errorf("%d bytes written, want %d", total, want)
	}
	if out.broken > 0 {
		t.Errorf("%d writes did not end at a line's end", out.broken)
	}
}

// A regular file takes a write of any length whole (Linux holds its lock
// for the write), so batches to a file are joined up to
// logFileFlushSize; a pipe's writes stay at PIPE_BUF.
func TestLogWriterJoinsLongerWritesToAFile(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	if got := flushSizeFor(f); got != logFileFlushSize {
		t.Errorf("a regular file: writes of up to %d bytes, want %d", got, logFileFlushSize)
	}
	if got := flushSizeFor(pw); got != logFlushSize {
		t.Errorf("a pipe: writes of up to %d bytes, want %d", got, logFlushSize)
	}
	if got := flushSizeFor(&syncBuffer{}); got != logFlushSize {
		t.Errorf("another writer: writes of up to %d bytes, want %d", got, logFlushSize)
	}
}
