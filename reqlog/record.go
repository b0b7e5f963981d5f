package reqlog

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/rs/zerolog"
)

// Record is a request's logger as a server keeps it: the logger it
// derives from and the fields the request has been given so far (its
// id, say). The zerolog.Logger that carries them is made only when
// something asks for it (From, zerolog.Ctx, hlog.FromRequest, AddFields),
// so that a request nothing logs about but its access line costs no
// logger of its own: Event writes the fields into the line directly.
//
// A Record is the context.Context it answers in: Init it with the
// request's context, and pass it (or a context made from it) on. It
// answers zerolog's own key, so that zerolog.Ctx and hlog find the
// request's logger in it as in the context hlog.NewHandler makes. A
// server embeds it in what it keeps for the request anyway (pasteserve's
// in its connection's state, reused by the connection's next request);
// it must not be copied once initialised.
//
// The logger, once made, is a value of its own, never reused: a
// *zerolog.Logger taken from a Record stays that request's logger after
// the Record has been initialised again for another request.
//
// Like a zerolog.Logger that is updated in place, a Record takes fields
// (Str, or AddFields) from one goroutine at a time; its logger may be
// asked for from any number.
type Record struct {
	context.Context
	base   *zerolog.Logger
	fields [4]field
	n      int
	// built is the request's logger once made.
	built atomic.Pointer[zerolog.Logger]
	mu    sync.Mutex // makes the logger once
}

type field struct{ key, value string }

// Init makes r the context parent, for a request whose lines log
// derives from, with no fields and no logger made. log must outlive the
// request and is never changed through r.
//
// A Record may be initialised again, for another request, once nothing
// uses it for the last one: a server that serves a connection's
// requests one at a time keeps one Record for them all.
func (r *Record) Init(parent context.Context, log *zerolog.Logger) {
	r.Context, r.base = parent, log
	if r.n != 0 || r.built.Load() != nil {
		r.mu.Lock()
		clear(r.fields[:r.n])
		r.n = 0
		r.built.Store(nil)
		r.mu.Unlock()
	}
}

// Str adds a field to every later line about the request.
func (r *Record) Str(key, value string) {
	if l := r.built.Load(); l != nil {
		l.UpdateContext(func(c zerolog.Context) zerolog.Context { return c.Str(key, value) })
		return
	}
	// Under the lock that makes the logger, so that a field added while
	// another goroutine asks for the logger (the server's stall watch)
	// is either in the logger it makes or added to it after.
	r.mu.Lock()
	if r.built.Load() == nil && r.n < len(r.fields) {
		r.fields[r.n] = field{key, value}
		r.n++
		r.mu.Unlock()
		return
	}
	r.mu.Unlock()
	r.Logger().UpdateContext(func(c zerolog.Context) zerolog.Context { return c.Str(key, value) })
}

// Logger returns the request's logger: the server's with the request's
// fields, made on the first call. Fields added to it in place
// (UpdateContext) are the request's, on every later line.
func (r *Record) Logger() *zerolog.Logger {
	if l := r.built.Load(); l != nil {
		return l
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if l := r.built.Load(); l != nil {
		return l
	}
	c := r.base.With()
	for _, f := range r.fields[:r.n] {
		c = c.Str(f.key, f.value)
	}
	l := new(zerolog.Logger)
	*l = c.Logger()
	r.built.Store(l)
	return l
}

// Event starts a line at level with the request's fields, as
// Logger().WithLevel(level) does, byte for byte, without making the
// logger when it has not been made: the fields follow the logger's own
// as they would as its context.
func (r *Record) Event(level zerolog.Level) *zerolog.Event {
	if l := r.built.Load(); l != nil {
		return l.WithLevel(level)
	}
	e := r.base.WithLevel(level)
	for _, f := range r.fields[:r.n] {
		e = e.Str(f.key, f.value)
	}
	return e
}

// Value answers zerolog's key with the request's logger (Logger); other
// keys are the parent's.
func (r *Record) Value(key any) any {
	if key == zerologKey {
		return r.Logger()
	}
	if _, ok := key.(recordKey); ok {
		return r
	}
	return r.Context.Value(key)
}

// recordKey asks a context for its Record (AddStr).
type recordKey struct{}

// zerologKey is the key zerolog.Ctx looks a context's logger up by,
// learnt from zerolog.Ctx itself: the package does not export it.
var zerologKey = func() any {
	var c keyCatcher
	zerolog.Ctx(&c)
	return c.key
}()

// keyCatcher is a context that remembers the key it was asked for.
type keyCatcher struct {
	context.Context
	key any
}

func (c *keyCatcher) Value(key any) any {
	c.key = key
	return nil
}
