package server

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/rs/zerolog/diode"
)

// A LogWriter takes log lines off the request path: a zerolog.Logger
// that writes to it hands each line to a ring buffer (zerolog's diode,
// lock-free, which never blocks a writer) and returns; a goroutine of
// the LogWriter's own writes the lines out, in order, gathering many
// into one write to the output. A request therefore never waits for the
// log's output, however slow that is (a stalled pipe to journald, a full
// disk), and the lines of many requests cost the process one write
// system call, not one each.
//
// Lines reach the output within logFlushEvery, and Close writes out
// every line written before it: a server closes its LogWriter once it
// has drained (after Run returns), so that a graceful stop loses none.
//
// When the output does not keep up for long enough to fill the ring
// (logRingSize lines), the oldest lines waiting are dropped, never the
// request; the LogWriter counts them (Dropped) and reports them in a
// line of its own, "dropped N log lines ...", at most once a second
// and when it closes.
type LogWriter struct {
	d   diode.Writer
	out *batchWriter
	// render, if not nil, is what each line goes through on its way to
	// out, on the LogWriter's goroutine (or, once closed, the caller's):
	// zerolog's ConsoleWriter, which parses each line.
	render io.Writer

	// mu is held shared by Write and exclusively by Close, so that no
	// line is put into the ring once Close has begun to drain it.
	mu     sync.RWMutex
	closed bool

	dropped  atomic.Uint64
	reported uint64 // dropped as of the last report; the reporter's
	lastSent time.Time
	report   atomic.Pointer[zerolog.Logger]

	stop chan struct{}
	done chan struct{}
}

// How the LogWriter buffers. The ring holds logRingSize lines: at 50,000
// requests a second, a third of a second of them, the longest the
// output may stall before lines are dropped; a line waits in it up to
// logPollEvery before the LogWriter's goroutine takes it, and in the
// output's buffer up to logFlushEvery (or until logFlushSize bytes are
// waiting), so that it is out within 100 ms.
//
// One write to the output never joins lines past logFlushSize, which is
// PIPE_BUF on Linux: the workers of a pre-fork server and their master
// share one stderr, and only a write of at most PIPE_BUF bytes to a pipe
// is atomic. A longer batch would let another process's line land in
// the middle of one of ours.
const (
	logRingSize   = 16384
	logPollEvery  = 10 * time.Millisecond
	logFlushEvery = 50 * time.Millisecond
	logFlushSize  = 4096 // PIPE_BUF
	logReportRate = time.Second
)

// NewLogWriter returns a LogWriter that writes the lines to w. render,
// if not nil, makes the writer each line goes through first, given the
// buffered writer that leads to w: for example
//
//	func(out io.Writer) io.Writer { return zerolog.ConsoleWriter{Out: out} }
//
// Dropped lines are reported through a logger of the LogWriter's own,
// as JSON lines, until ReportDropsTo gives it the process's.
func NewLogWriter(w io.Writer, render func(io.Writer) io.Writer) *LogWriter {
	return newLogWriter(w, render, logRingSize)
}

func newLogWriter(w io.Writer, render func(io.Writer) io.Writer, ring int) *LogWriter {
	l := &LogWriter{out: &batchWriter{w: w}, stop: make(chan struct{}), done: make(chan struct{})}
	var sink io.Writer = l.out
	if render != nil {
		sink = render(l.out)
		l.render = sink
	}
	// diode.Writer closes its writer when it is an io.Closer; neither w
	// (standard error, say) nor a ConsoleWriter may be closed here.
	l.d = diode.NewWriter(struct{ io.Writer }{sink}, ring, logPollEvery, func(missed int) {
		l.dropped.Add(uint64(missed))
	})
	own := zerolog.New(l).With().Timestamp().Logger()
	l.report.Store(&own)
	go l.tick()
	return l
}

// ReportDropsTo makes log the logger that reports dropped lines.
func (l *LogWriter) ReportDropsTo(log zerolog.Logger) { l.report.Store(&log) }

// Write queues the line p and returns at once; once the LogWriter is
// closed, it writes p out before it returns.
func (l *LogWriter) Write(p []byte) (int, error) {
	l.mu.RLock()
	if !l.closed {
		n, err := l.d.Write(p)
		l.mu.RUnlock()
		return n, err
	}
	l.mu.RUnlock()
	return l.writeNow(p)
}

// writeNow writes p out, through render, and flushes it.
func (l *LogWriter) writeNow(p []byte) (int, error) {
	var err error
	if l.render != nil {
		_, err = l.render.Write(p)
	} else {
		_, err = l.out.Write(p)
	}
	if ferr := l.out.flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// Dropped returns how many lines have been dropped so far because the
// output did not keep up.
func (l *LogWriter) Dropped() uint64 { return l.dropped.Load() }

// Close writes out every line written before it, reports the lines
// dropped since the last report, and stops the LogWriter's goroutines.
// Later writes go straight to the output. Close does not close the
// output.
//
// An output that takes nothing for logCloseWait is taken for dead:
// Close then returns an error and leaves what is left to a goroutine,
// rather than keep a stopping process from exiting.
func (l *LogWriter) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	drained := make(chan error, 1)
	go func() {
		close(l.stop)
		<-l.done
		l.d.Close() // returns once the ring is empty
		l.reportDrops()
		drained <- l.out.flush()
	}()
	select {
	case err := <-drained:
		return err
	case <-time.After(logCloseWait):
		return errors.New("log output stalled: lines still waiting were not written")
	}
}

// logCloseWait is how long Close waits for an output that takes
// nothing (a variable for a test).
var logCloseWait = 10 * time.Second

// tick flushes the output every logFlushEvery, and reports drops, until
// Close.
func (l *LogWriter) tick() {
	defer close(l.done)
	t := time.NewTicker(logFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			l.out.flush()
			if time.Since(l.lastSent) >= logReportRate {
				l.reportDrops()
			}
		}
	}
}

// reportDrops logs the lines dropped since the last report, if any.
func (l *LogWriter) reportDrops() {
	total := l.dropped.Load()
	n := total - l.reported
	if n == 0 {
		return
	}
	l.reported, l.lastSent = total, time.Now()
	l.report.Load().Warn().Uint64("dropped_lines", n).Uint64("dropped_lines_total", total).
		Msgf("dropped %d log lines: the log's output did not keep up", n)
}

// batchWriter gathers the lines written to it and writes them to w
// together: on flush, and before a line that would take the batch past
// logFlushSize bytes. Each Write is one or more whole lines (zerolog
// writes a line per call), so every write to w ends at a line's end, and
// is at most logFlushSize bytes unless it is a single longer line.
type batchWriter struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

func (b *batchWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf) > 0 && len(b.buf)+len(p) > logFlushSize {
		if err := b.flushLocked(); err != nil {
			return 0, err
		}
	}
	b.buf = append(b.buf, p...)
	if len(b.buf) >= logFlushSize {
		if err := b.flushLocked(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (b *batchWriter) flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked()
}

// flushLocked writes what is waiting. What the output does not take is
// dropped rather than kept: a log that failed (EPIPE, a full disk) must
// not grow without bound.
func (b *batchWriter) flushLocked() error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.w.Write(b.buf)
	if cap(b.buf) > 4*logFlushSize {
		b.buf = nil // a burst made it big; let it go
	} else {
		b.buf = b.buf[:0]
	}
	return err
}
