package server

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/rs/zerolog/diode"
)

// A LogWriter takes log lines off the request path: a zerolog.Logger
// that writes to it adds each line to a batch in memory, under a lock
// held only for the copy, and returns; a full batch goes into a ring
// buffer (zerolog's diode, lock-free, which never blocks a writer); a
// goroutine of the LogWriter's own takes the batches out and writes
// their lines out, in order, many in one write to the output. A request
// therefore never waits for the log's output, however slow that is (a
// stalled pipe to journald, a full disk), the lines of many requests
// cost the process one write system call, not one each, and the ring's
// own cost (a copy and three small allocations an entry) is paid once a
// batch, not once a line.
//
// Lines reach the output within logFlushEvery plus logPollEvery, and
// Close writes out every line written before it: a server closes its
// LogWriter once it has drained (after Run returns), so that a graceful
// stop loses none.
//
// When the output does not keep up for long enough to fill the ring
// (logRingSize access lines' worth of batches), the oldest batches
// waiting are dropped, never the request; the LogWriter counts their
// lines (Dropped) and reports them in a line of its own, "dropped N log
// lines ...", at most once a second and when it closes.
type LogWriter struct {
	d   diode.Writer
	out *batchWriter
	// render, if not nil, is what each line goes through on its way to
	// out, on the LogWriter's goroutine (or, once closed, the caller's):
	// zerolog's ConsoleWriter, which parses each line.
	render io.Writer

	// mu guards the batch being gathered and closed. It is held for a
	// line's copy, and for a full batch's hand-over to the ring (a copy
	// too), never while anything is written out.
	mu     sync.Mutex
	closed bool
	batch  []byte // batchHeader, then the lines gathered
	lines  uint32 // in batch
	sealed uint64 // lines handed to the ring, batch's not included

	// read is the count of lines handed to the ring up to the last
	// batch the LogWriter's goroutine took out (the batch header's), so
	// that a gap is the lines of the batches the ring dropped.
	read uint64

	dropped  atomic.Uint64
	reported uint64 // dropped as of the last report; the reporter's
	lastSent time.Time
	report   atomic.Pointer[zerolog.Logger]

	stop chan struct{}
	done chan struct{}
}

// How the LogWriter buffers. Lines are gathered in batches of up to
// logFlushSize bytes. The ring holds logRingSize access lines' worth of
// batches (logRingSize × accessLineSize bytes, 5 MB): at 50,000 requests
// a second, a third of a second of them, the longest the output may
// stall before lines are dropped. A batch being gathered is handed to
// the ring within logFlushEvery; one in the ring waits up to
// logPollEvery before the LogWriter's goroutine takes it, and is then
// written out with the rest of the output's buffer, so that a line is
// out within 60 ms and every one within 100 ms; a full batch waits in
// the output's buffer up to logFlushEvery, or until more come.
//
// One write to a pipe or socket never joins lines past logFlushSize,
// which is PIPE_BUF on Linux: the workers of a pre-fork server and their
// master share one stderr, and only a write of at most PIPE_BUF bytes to
// a pipe is atomic. A longer batch would let another process's line land
// in the middle of one of ours. A write to a regular file is atomic at
// any length (Linux holds the file's lock for the whole write), so to a
// file (stderr redirected to one, as under bench/serve.sh) the output
// joins batches up to logFileFlushSize.
const (
	logRingSize      = 16384
	accessLineSize   = 330 // about what an access line takes, for the ring's size
	logPollEvery     = 10 * time.Millisecond
	logFlushEvery    = 50 * time.Millisecond
	logFlushSize     = 4096 // PIPE_BUF
	logFileFlushSize = 64 << 10
	logReportRate    = time.Second
)

// batchHeader starts each batch the ring carries: the lines handed to
// the ring up to and including the batch's (8 bytes, little-endian),
// the batch's own (4 bytes) and flags (1 byte: flushNow).
const (
	batchHeader = 13
	flushNow    = 1 // the batch was handed over by time, not full: write it out at once
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

// newLogWriter is NewLogWriter with a ring of ring access lines' worth
// of batches (at least two).
func newLogWriter(w io.Writer, render func(io.Writer) io.Writer, ring int) *LogWriter {
	l := &LogWriter{
		out:   &batchWriter{w: w, max: flushSizeFor(w)},
		batch: make([]byte, batchHeader, batchHeader+logFlushSize),
		stop:  make(chan struct{}), done: make(chan struct{}),
	}
	if render != nil {
		l.render = render(l.out)
	}
	// diode.Writer closes its writer when it is an io.Closer; neither w
	// (standard error, say) nor a ConsoleWriter may be closed here.
	entries := max(2, ring*accessLineSize/logFlushSize)
	l.d = diode.NewWriter(batchReader{l}, entries, logPollEvery, nil)
	own := zerolog.New(l).With().Timestamp().Logger()
	l.report.Store(&own)
	go l.tick()
	return l
}

// flushSizeFor is how many bytes one write to w may carry: logFlushSize,
// or logFileFlushSize for a regular file.
func flushSizeFor(w io.Writer) int {
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			return logFileFlushSize
		}
	}
	return logFlushSize
}

// ReportDropsTo makes log the logger that reports dropped lines.
func (l *LogWriter) ReportDropsTo(log zerolog.Logger) { l.report.Store(&log) }

// Write adds the line p to the batch being gathered and returns at once;
// once the LogWriter is closed, it writes p out before it returns.
func (l *LogWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return l.writeNow(p)
	}
	if l.lines > 0 && len(l.batch)+len(p) > batchHeader+logFlushSize {
		l.sealLocked(0)
	}
	l.batch = append(l.batch, p...)
	l.lines++
	if len(l.batch) >= batchHeader+logFlushSize {
		l.sealLocked(0)
	}
	l.mu.Unlock()
	return len(p), nil
}

// sealLocked hands the batch to the ring (which copies it) and starts
// the next.
func (l *LogWriter) sealLocked(flags byte) {
	l.sealed += uint64(l.lines)
	binary.LittleEndian.PutUint64(l.batch[0:8], l.sealed)
	binary.LittleEndian.PutUint32(l.batch[8:12], l.lines)
	l.batch[12] = flags
	l.d.Write(l.batch)
	if cap(l.batch) > 4*logFlushSize {
		l.batch = make([]byte, batchHeader, batchHeader+logFlushSize) // a long line made it big
	} else {
		l.batch = l.batch[:batchHeader]
	}
	l.lines = 0
}

// seal hands what has been gathered to the ring, if anything.
func (l *LogWriter) seal() {
	l.mu.Lock()
	if l.lines > 0 {
		l.sealLocked(flushNow)
	}
	l.mu.Unlock()
}

// batchReader is the ring's output: the LogWriter's goroutine hands it
// each batch, in order, which it writes out line by line (through
// render) or whole, having counted the lines of the batches the ring
// dropped before it.
type batchReader struct{ l *LogWriter }

func (b batchReader) Write(p []byte) (int, error) {
	l := b.l
	if len(p) < batchHeader {
		return len(p), nil
	}
	upTo := binary.LittleEndian.Uint64(p[0:8])
	n := uint64(binary.LittleEndian.Uint32(p[8:12]))
	if lost := upTo - n - l.read; upTo-n > l.read {
		l.dropped.Add(lost)
	}
	l.read = upTo
	lines := p[batchHeader:]
	if l.render != nil {
		for len(lines) > 0 {
			i := bytes.IndexByte(lines, '\n') + 1
			if i == 0 {
				i = len(lines)
			}
			l.render.Write(lines[:i])
			lines = lines[i:]
		}
	} else {
		l.out.Write(lines)
	}
	if p[12]&flushNow != 0 {
		l.out.flush()
	}
	return len(p), nil
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
	if l.lines > 0 {
		l.sealLocked(flushNow)
	}
	sealed := l.sealed
	l.mu.Unlock()
	drained := make(chan error, 1)
	go func() {
		close(l.stop)
		<-l.done
		l.d.Close() // returns once the ring is empty
		// Lines of batches dropped after the last one taken out (none,
		// as the ring drops the oldest, but the count must add up).
		if sealed > l.read {
			l.dropped.Add(sealed - l.read)
			l.read = sealed
		}
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

// tick hands the batch being gathered to the ring and flushes the
// output every logFlushEvery, and reports drops, until Close.
func (l *LogWriter) tick() {
	defer close(l.done)
	t := time.NewTicker(logFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			l.seal()
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
// together: on flush, and before lines that would take the batch past
// max bytes (logFlushSize, or logFileFlushSize for a file). Each Write
// is one or more whole lines, at most logFlushSize bytes but for a
// single longer line, so every write to w ends at a line's end, and is
// at most max bytes unless it is a single longer line.
type batchWriter struct {
	mu  sync.Mutex
	w   io.Writer
	max int
	buf []byte
}

func (b *batchWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf) > 0 && len(b.buf)+len(p) > b.max {
		if err := b.flushLocked(); err != nil {
			return 0, err
		}
	}
	b.buf = append(b.buf, p...)
	if len(b.buf) >= b.max {
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
	if cap(b.buf) > 4*b.max {
		b.buf = nil // a burst made it big; let it go
	} else {
		b.buf = b.buf[:0]
	}
	return err
}
