package reqlog

import (
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Timestamp is a zerolog.Hook that adds the time to every line, as
// zerolog's Context.Timestamp does, byte for byte, but formats each
// second once rather than every line: a server writing an access line
// per request writes the same second tens of thousands of times, and
// formatting it (time.Time.AppendFormat) costs more than the rest of the
// field.
//
//	log := zerolog.New(os.Stderr).Hook(reqlog.Timestamp{}).With().Str("service", "api").Logger()
//
// Like Context.Timestamp it reads the clock with zerolog.TimestampFunc
// and writes zerolog.TimestampFieldName; a zerolog.TimeFieldFormat other
// than zerolog's default (time.RFC3339, whole seconds) is formatted every
// line, as zerolog does.
type Timestamp struct{}

// A LineTimer is an event's context (zerolog.Event.Ctx) that has
// already read the clock for the line: Timestamp writes the time it
// read, rather than read the clock again. A server's access log reads it
// when the request ends, for the time the request took; the line's time
// is the same instant, and a second reading of the clock (tens of
// nanoseconds on a virtual machine) is saved on every request.
//
// The time must come from zerolog.TimestampFunc, as Timestamp's own
// would; ok false means there is none, and Timestamp reads the clock.
type LineTimer interface {
	LineTime() (t time.Time, ok bool)
}

// stamp is a second as the field's JSON value, quoted.
type stamp struct {
	sec  int64
	loc  *time.Location
	text []byte
}

// lastStamp is the second last formatted. Lines of the same second read
// it without a lock; a line of a new second formats it and replaces it.
var lastStamp atomic.Pointer[stamp]

// Run adds the time field to e.
func (Timestamp) Run(e *zerolog.Event, _ zerolog.Level, _ string) {
	if zerolog.TimeFieldFormat != time.RFC3339 {
		e.Timestamp()
		return
	}
	var t time.Time
	ok := false
	if lt, is := e.GetCtx().(LineTimer); is {
		t, ok = lt.LineTime()
	}
	if !ok {
		t = zerolog.TimestampFunc()
	}
	sec, loc := t.Unix(), t.Location()
	s := lastStamp.Load()
	if s == nil || s.sec != sec || s.loc != loc {
		// RFC3339 shows whole seconds and the zone's offset, which is
		// the same for the whole of a second of one Location.
		b := make([]byte, 0, len(`""`)+len(time.RFC3339)+6)
		b = append(b, '"')
		b = t.AppendFormat(b, time.RFC3339)
		b = append(b, '"')
		s = &stamp{sec: sec, loc: loc, text: b}
		lastStamp.Store(s)
	}
	e.RawJSON(zerolog.TimestampFieldName, s.text)
}
