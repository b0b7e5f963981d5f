package server

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// stallLimit applies the no-progress limit (limit; 0 for none) to each
// HTTP/2 stream (streamWriter). writeTimeout is write_timeout, the
// stream's deadline, which net/http has set when the handler runs. Over
// HTTP/1 the connection applies the limit (wireConn).
func stallLimit(limit, writeTimeout time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if limit <= 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ProtoMajor != 2 {
				next.ServeHTTP(w, r)
				return
			}
			sw := &streamWriter{ResponseWriter: w, limit: limit, ctx: r.Context()}
			if writeTimeout > 0 {
				sw.hard = time.Now().Add(writeTimeout)
			}
			defer sw.stop()
			next.ServeHTTP(sw, r)
		})
	}
}

// streamWriter applies the no-progress limit to one HTTP/2 stream. A
// client can hold a stream still without stalling the connection, by
// granting it no flow-control window, and its handler then waits in
// Write for as long as the client likes, holding a pool slot. Each Write
// is cut into pieces of streamChunk; when one has not gone out after
// limit, the stream is reset (through ResponseController's write
// deadline, which net/http's HTTP/2 server implements per stream) and
// the Write fails. A client that grants at least streamChunk per limit
// is never cut.
//
// The clock runs only while a Write waits: a handler may take as long as
// it likes between writes. The bytes net/http still buffers when the
// handler returns (up to 4 KB, and the end of the stream) are sent after
// the pool slot is given back, by net/http, which waits for the client's
// window with no limit of its own: stop gives the stream a write deadline
// of limit for them, so that a client that grants no window cannot keep
// the handler's goroutine (and its memory) forever.
type streamWriter struct {
	http.ResponseWriter
	limit time.Duration
	// ctx is the request's context, whose logger (zerolog.Ctx) log is
	// when it is nil: looked up only when there is something to log.
	ctx context.Context
	log *zerolog.Logger

	mu    sync.Mutex
	since time.Time // when the waiting write began; zero when none waits
	timer *time.Timer
	armed bool
	// hard is the stream's write deadline as far as it is known: from
	// write_timeout, or what the handler set (SetWriteDeadline); zero
	// for none. stop never moves it later.
	hard time.Time
}

const streamChunk = 16 << 10

func (s *streamWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		s.begin()
		n, err := s.ResponseWriter.Write(p[:min(len(p), streamChunk)])
		s.end()
		written += n
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}

// Flush waits for the client as Write does.
func (s *streamWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		s.begin()
		f.Flush()
		s.end()
	}
}

// Unwrap lets http.ResponseController reach net/http's writer.
func (s *streamWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// SetWriteDeadline is the handler's, through http.ResponseController:
// it is passed on, and remembered for stop.
func (s *streamWriter) SetWriteDeadline(t time.Time) error {
	s.mu.Lock()
	s.hard = t
	s.mu.Unlock()
	return http.NewResponseController(s.ResponseWriter).SetWriteDeadline(t)
}

func (s *streamWriter) begin() {
	s.mu.Lock()
	s.since = time.Now()
	if !s.armed {
		s.armed = true
		if s.timer == nil {
			s.timer = time.AfterFunc(s.limit, s.check)
		} else {
			s.timer.Reset(s.limit)
		}
	}
	s.mu.Unlock()
}

func (s *streamWriter) end() {
	s.mu.Lock()
	s.since = time.Time{}
	s.mu.Unlock()
}

// check runs on the timer: it resets the stream if a write has waited
// for limit, and otherwise sleeps until one could have.
func (s *streamWriter) check() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.since.IsZero() {
		s.armed = false
		return
	}
	if left := s.limit - time.Since(s.since); left > 0 {
		s.timer.Reset(left)
		return
	}
	s.armed = false
	// A deadline in the past resets the stream at once; the waiting
	// Write returns an error. Only while a Write waits, so the stream
	// is still the handler's.
	http.NewResponseController(s.ResponseWriter).SetWriteDeadline(time.Now().Add(-time.Second))
	slowHTTP2Cut.Inc()
	log := s.log
	if log == nil {
		log = zerolog.Ctx(s.ctx)
	}
	log.Info().Float64("no_progress_seconds", s.limit.Seconds()).
		Msg("client accepted no response data for the no-progress limit (send_timeout, client_socket_timeout); HTTP/2 stream reset")
}

// stop ends the clock when the handler returns, and bounds net/http's
// last flush of the stream by a write deadline of limit from now (unless
// an earlier deadline already bounds it). net/http's HTTP/2 server resets
// a stream whose deadline passes, and its waiting flush returns.
//
// The deadline is set through the connection's goroutine, which may
// process it after the stream has already ended; without write_timeout
// it then starts a timer for a stream that is gone, and net/http sends
// one redundant RST_STREAM for it after limit, which clients ignore
// (RFC 9113 §5.4.2).
func (s *streamWriter) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.timer != nil {
		s.timer.Stop()
	}
	s.armed = true // no later begin rearms it
	if dl := time.Now().Add(s.limit); s.hard.IsZero() || dl.Before(s.hard) {
		http.NewResponseController(s.ResponseWriter).SetWriteDeadline(dl)
	}
}
