package server

import (
	"log"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// ErrorLogRate is how many lines a logger made by NewErrorLog writes per
// second at most. The errors net/http logs (a TLS handshake that fails, a
// client that sends plain HTTP to the TLS port, an accept that fails) are
// caused by clients, one line per connection: without a limit any client
// could fill the log, and the disk, by opening connections. Ten a second
// is more than a healthy server ever logs and shows the kind of error;
// beyond it the lines are counted, and one line with the count is logged
// when the second is over.
const ErrorLogRate = 10

// NewErrorLog returns a *log.Logger, for http.Server.ErrorLog and other
// code that logs through the standard library's log package, that writes
// each line to l as a zerolog line at warn level with a component field,
// so that the log stays one stream of JSON (or console) lines. It writes
// at most ErrorLogRate lines a second; the rest are counted and reported
// once the second is over, in a line with a "suppressed" field.
func NewErrorLog(l zerolog.Logger, component string) *log.Logger {
	return log.New(newLimitedWriter(l.With().Str("component", component).Logger(), time.Now), "", 0)
}

// limitedWriter turns each Write (one line from a log.Logger) into a
// zerolog line, at most ErrorLogRate in each one-second window.
type limitedWriter struct {
	log zerolog.Logger
	now func() time.Time

	mu         sync.Mutex
	window     time.Time // when the current window began
	written    int       // lines written in it
	suppressed int       // lines dropped in it
	flush      *time.Timer
}

func newLimitedWriter(l zerolog.Logger, now func() time.Time) *limitedWriter {
	return &limitedWriter{log: l, now: now}
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writeLocked(p)
}

func (w *limitedWriter) writeLocked(p []byte) (int, error) {
	now := w.now()
	if now.Sub(w.window) >= time.Second {
		w.reportLocked()
		w.window, w.written = now, 0
	}
	if w.written >= ErrorLogRate {
		w.suppressed++
		if w.flush == nil {
			// Report the count when the window ends, even if no other
			// line comes: the flood may have been the last of them.
			window := w.window
			w.flush = time.AfterFunc(window.Add(time.Second).Sub(now), func() { w.reportWindow(window) })
		}
		return len(p), nil
	}
	w.written++
	w.log.Warn().Msg(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// reportWindow is the timer's: it reports the count of the window that
// began at window, unless a line since has already done so and begun the
// next window. The timer may have fired just as that line stopped it,
// and then waited for the lock; it must not stop the next window's timer
// and report that window's count before its end.
func (w *limitedWriter) reportWindow(window time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.window.Equal(window) {
		w.reportLocked()
	}
}

// reportLocked logs how many lines the window dropped, if any.
func (w *limitedWriter) reportLocked() {
	if w.flush != nil {
		w.flush.Stop()
		w.flush = nil
	}
	if w.suppressed == 0 {
		return
	}
	w.log.Warn().Int("suppressed", w.suppressed).Int("limit_per_second", ErrorLogRate).
		Msgf("%d more lines like the above were not logged (at most %d a second)", w.suppressed, ErrorLogRate)
	w.suppressed = 0
}
