package bridge

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A chunked upload is streamed to Python: the app answers after its
// first read, while the client is still holding back the rest of the
// body, which it sends only once it has that answer. Had Go (or
// gunicorn) buffered the body, the answer would never come.
func TestChunkedUploadIsStreamed(t *testing.T) {
	tl := tail(t, "main")
	_, c, _ := startPool(t, testSpec(t, tl))
	srv := httptest.NewServer(c.Handler(tl))
	defer srv.Close()

	pr, pw := io.Pipe()
	req, _ := http.NewRequest("PUT", srv.URL+"/upload?early=1", pr)
	req.ContentLength = -1 // chunked
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req = req.WithContext(ctx)
	const first, rest = 64 << 10, 4 << 20
	go func() {
		pw.Write(make([]byte, first))
	}()
	// The Transport's writer blocks on the body, and Do waits for it even
	// when ctx ends: a bounded wait for the first answer ends the body.
	stall := time.AfterFunc(20*time.Second, func() { pw.CloseWithError(errors.New("no answer to the first chunk in 20 s")) })
	defer stall.Stop()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("no answer while the body was held back (was it buffered?): %v", err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("no first answer: %v", err)
	}
	if !strings.HasPrefix(line, "first ") {
		t.Fatalf("first line %q", line)
	}
	stall.Stop()
	// The app has answered; only now does the rest go out, in chunks.
	go func() {
		chunk := make([]byte, 256<<10)
		for sent := 0; sent < rest; sent += len(chunk) {
			if _, err := pw.Write(chunk); err != nil {
				return
			}
		}
		pw.Close()
	}()
	tail, err := io.ReadAll(br)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(string(tail)), fmt.Sprintf("total %d", first+rest); got != want {
		t.Errorf("the app read %q, want %q", got, want)
	}
}

// A streamed response reaches the client as the app yields it: the
// first chunk arrives while the app is still sleeping before the next.
func TestResponseIsStreamed(t *testing.T) {
	tl := tail(t, "main")
	_, c, _ := startPool(t, testSpec(t, tl))
	srv := httptest.NewServer(c.Handler(tl))
	defer srv.Close()
	start := time.Now()
	resp, err := http.Get(srv.URL + "/stream?n=3&delay=0.5")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	if line, _ := br.ReadString('\n'); line != "chunk 0\n" {
		t.Fatalf("first line %q", line)
	}
	firstAt := time.Since(start)
	rest, _ := io.ReadAll(br)
	end := time.Since(start)
	if string(rest) != "chunk 1\nchunk 2\n" {
		t.Errorf("rest %q", rest)
	}
	// The app sleeps 2 × 0.5 s after the first chunk.
	if end-firstAt < 900*time.Millisecond {
		t.Errorf("the first chunk came %v after the request, the last %v: the response was buffered", firstAt, end)
	}
}

// InFlight counts the requests being forwarded, and WaitIdle returns
// once they are done.
func TestInFlightAndWaitIdle(t *testing.T) {
	tl := tail(t, "main")
	_, c, _ := startPool(t, testSpec(t, tl))
	srv := httptest.NewServer(c.Handler(tl))
	defer srv.Close()
	if err := c.WaitIdle(context.Background()); err != nil || c.InFlight() != 0 {
		t.Fatalf("idle: %v %d", err, c.InFlight())
	}
	done := make(chan error, 2)
	for range 2 {
		go func() {
			resp, err := http.Get(srv.URL + "/sleep?s=1")
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			done <- err
		}()
	}
	for end := time.Now().Add(5 * time.Second); c.InFlight() != 2 && time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
	}
	if n := c.InFlight(); n != 2 {
		t.Fatalf("InFlight = %d, want 2", n)
	}
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := c.WaitIdle(short); err == nil {
		t.Errorf("WaitIdle returned while requests were in flight")
	}
	ctx, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	if err := c.WaitIdle(ctx); err != nil {
		t.Errorf("WaitIdle: %v (in flight %d)", err, c.InFlight())
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
