package server

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// syncBuffer is a bytes.Buffer safe for the writer's timer goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

func TestErrorLogRateLimit(t *testing.T) {
	var buf syncBuffer
	now := time.Unix(1000, 0)
	w := newLimitedWriter(zerolog.New(&buf).With().Str("component", "http.Server").Logger(), func() time.Time { return now })
	for i := 0; i < 25; i++ {
		w.Write([]byte("http: TLS handshake error from 127.0.0.1:1: EOF\n"))
	}
	if got := buf.lines(t); len(got) != ErrorLogRate || got[0]["message"] != "http: TLS handshake error from 127.0.0.1:1: EOF" ||
		got[0]["level"] != "warn" || got[0]["component"] != "http.Server" {
		t.Fatalf("25 lines in a second: %d logged, want %d; first %v", len(got), ErrorLogRate, got[0])
	}
	// The next second: first the count of the lines dropped, then the line.
	now = now.Add(1100 * time.Millisecond)
	w.Write([]byte("http: Accept error: boom; retrying in 5ms\n"))
	got := buf.lines(t)
	if len(got) != ErrorLogRate+2 || got[ErrorLogRate]["suppressed"] != 15.0 || got[ErrorLogRate+1]["message"] != "http: Accept error: boom; retrying in 5ms" {
		t.Fatalf("after the second: %v", got[ErrorLogRate:])
	}
	if msg, _ := got[ErrorLogRate]["message"].(string); msg != "15 more lines like the above were not logged (at most 10 a second)" {
		t.Errorf("count line: %q", msg)
	}

	// With no line after the flood, the count still comes, when the
	// second is over.
	var buf2 syncBuffer
	w2 := newLimitedWriter(zerolog.New(&buf2), time.Now)
	for i := 0; i < ErrorLogRate+3; i++ {
		w2.Write([]byte("x\n"))
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(buf2.lines(t)) < ErrorLogRate+1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := buf2.lines(t); len(got) != ErrorLogRate+1 || got[ErrorLogRate]["suppressed"] != 3.0 {
		t.Errorf("a flood with nothing after it: %d lines, last %v", len(got), got[len(got)-1])
	}
}

// A window's timer that fires just as the next window's first line
// stops it does not report the next window's count early (nor stop its
// timer): each window gets one count line, at its end.
func TestErrorLogStaleTimerLeavesTheNextWindowAlone(t *testing.T) {
	var buf syncBuffer
	t0 := time.Unix(1000, 0)
	now := t0
	w := newLimitedWriter(zerolog.New(&buf), func() time.Time { return now })
	counts := func() int { return strings.Count(buf.String(), `"suppressed"`) }
	for i := 0; i < ErrorLogRate; i++ {
		w.Write([]byte("x\n"))
	}
	now = t0.Add(990 * time.Millisecond)
	w.Write([]byte("x\n")) // suppressed: the window's timer fires in 10 ms
	// A line of the next window holds the lock as the timer fires.
	w.mu.Lock()
	time.Sleep(100 * time.Millisecond)
	now = t0.Add(time.Second + time.Millisecond)
	for i := 0; i <= ErrorLogRate; i++ {
		w.writeLocked([]byte("y\n")) // the last one suppressed
	}
	w.mu.Unlock()
	time.Sleep(100 * time.Millisecond)
	if n := counts(); n != 1 {
		t.Fatalf("%d count lines 0.1 s into the second window, want the first window's alone:\n%s", n, buf.String())
	}
	deadline := time.Now().Add(5 * time.Second)
	for counts() < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := counts(); n != 2 {
		t.Errorf("%d count lines after the second window, want 2:\n%s", n, buf.String())
	}
}
