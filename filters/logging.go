package filters

import (
	"context"
	"os"

	"github.com/rs/zerolog"
)

// fallbackLogger is where filters log when the request carries no
// logger: standard error, as oslo.log does by default.
var fallbackLogger = zerolog.New(os.Stderr).With().Timestamp().Logger()

// loggerFor returns the request's logger (zerolog.Ctx), or the fallback
// when none is enabled.
func loggerFor(ctx context.Context) *zerolog.Logger {
	if l := zerolog.Ctx(ctx); l.GetLevel() != zerolog.Disabled {
		return l
	}
	return &fallbackLogger
}

// addLogFields adds fields to the request's logger so that every later
// line about the request carries them.
//
// A logger that hlog.NewHandler (or access_log) put in the context is a
// copy made for this request, and is updated in place, as hlog's own
// RequestIDHandler does: handlers outside this filter, such as the
// access log, then see the fields too. The process-wide
// zerolog.DefaultContextLogger is never updated in place (that would
// race between requests); a request that only has that one gets a copy.
func addLogFields(ctx context.Context, fields func(zerolog.Context) zerolog.Context) context.Context {
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
