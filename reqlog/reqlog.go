// Package reqlog is the request's logger: the zerolog.Logger the server
// (or hlog.NewHandler, or the access_log filter) puts in each request's
// context, which filters add fields to (the request id, the user) so
// that every later line about the request carries them, the access
// log's included.
//
// The server keeps each request's logger as a Record: the request's
// fields, from which the zerolog.Logger is made only when a filter or
// an app asks for it (From, zerolog.Ctx), so that a request nothing
// logs about but its access line costs no logger of its own.
//
// A handler used outside pasteserve's server may get requests with no
// logger; it then logs to Fallback rather than nowhere, as oslo.log logs
// to standard error by default.
package reqlog

import (
	"context"
	"os"

	"github.com/rs/zerolog"
)

// Fallback is where From points when the request carries no logger:
// standard error. A program (or a test) may replace it before it serves.
var Fallback = zerolog.New(os.Stderr).With().Timestamp().Logger()

// From returns the request's logger (zerolog.Ctx), or &Fallback when
// none is enabled.
func From(ctx context.Context) *zerolog.Logger {
	if l := zerolog.Ctx(ctx); l.GetLevel() != zerolog.Disabled {
		return l
	}
	return &Fallback
}

// AddFields adds fields to the request's logger so that every later line
// about the request carries them, and returns the context to pass on.
//
// A logger that hlog.NewHandler (or access_log, or the server) put in
// the context is a copy made for this request, and is updated in place,
// as hlog's own RequestIDHandler does: handlers outside this one, such
// as the access log, then see the fields too. The process-wide
// zerolog.DefaultContextLogger is never updated in place (that would
// race between requests); a request that only has that one gets a copy
// in the returned context. A request with no logger is returned as it
// is.
func AddFields(ctx context.Context, fields func(zerolog.Context) zerolog.Context) context.Context {
	l := zerolog.Ctx(ctx)
	if l.GetLevel() == zerolog.Disabled {
		return ctx
	}
	if l == zerolog.DefaultContextLogger {
		c := fields(l.With()).Logger()
		return c.WithContext(ctx)
	}
	l.UpdateContext(fields)
	return ctx
}

// AddStr adds the field key=value to the request's logger, as AddFields
// with c.Str(key, value) does, and returns the context to pass on.
//
// When the request's logger is a Record whose logger has not been made
// (the server's, before anything but the server has logged about the
// request), the field goes into the Record as the server's own do
// (Record.Str), and the logger is still not made: that costs neither
// zerolog's copy of the logger (a 500-byte buffer) nor a closure.
// Otherwise it is AddFields. Both reach the same logger: a logger put in
// a context inside a Record by zerolog's own means (Logger.WithContext,
// hlog.NewHandler, access_log) first looks the context's logger up,
// which makes the Record's, so an unmade one is the nearest.
func AddStr(ctx context.Context, key, value string) context.Context {
	if r, ok := ctx.Value(recordKey{}).(*Record); ok && r.built.Load() == nil {
		r.Str(key, value)
		return ctx
	}
	if zerolog.Ctx(ctx).GetLevel() == zerolog.Disabled {
		return ctx // what AddFields does, without the closure
	}
	return AddFields(ctx, func(c zerolog.Context) zerolog.Context { return c.Str(key, value) })
}
