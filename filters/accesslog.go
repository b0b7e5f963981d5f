package filters

import (
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/pasteserve/pasteserve/options"
	"github.com/pasteserve/pasteserve/redact"
	"github.com/pasteserve/pasteserve/request"
	"github.com/rs/zerolog"
	"github.com/rs/zerolog/hlog"
)

// accessLogOutput is where access_log writes when the request has no
// logger; tests replace it.
var accessLogOutput = zerolog.New(os.Stderr).With().Timestamp().Logger()

// AccessLogOptions are the options of the access_log filter, those of
// Paste's translogger that a zerolog line can honour.
type AccessLogOptions struct {
	// LoggerName is logged as the line's "logger" field; translogger's
	// default is wsgi.
	LoggerName string `paste:"logger_name,doc=logged as the line's logger field"`
	// LoggingLevel is the level of each line: trace, debug, info, warn
	// or error, in any case.
	LoggingLevel string `paste:"logging_level,doc=the level of each line: trace, debug, info, warn or error"`
}

// DefaultAccessLogOptions are translogger's: logger wsgi, level info.
func DefaultAccessLogOptions() AccessLogOptions {
	return AccessLogOptions{LoggerName: "wsgi", LoggingLevel: "info"}
}

// level is the zerolog level LoggingLevel names.
func (o AccessLogOptions) level() (zerolog.Level, error) {
	level, err := zerolog.ParseLevel(strings.ToLower(o.LoggingLevel))
	if err != nil || level == zerolog.NoLevel || level == zerolog.Disabled {
		return level, options.Errorf("logging_level", "%q is not a level (trace, debug, info, warn, error)", o.LoggingLevel)
	}
	return level, nil
}

// Validate refuses a level zerolog does not log at.
func (o AccessLogOptions) Validate() error {
	_, err := o.level()
	return err
}

// NewAccessLog returns the role of Paste's translogger
// (egg:Paste#translogger): one log line per request, written when the
// response is done, with method, URL, status, size, duration, client
// address, user agent and referer, on zerolog through
// hlog.AccessHandler. The values of secret query parameters (?token=,
// ?password=, ?api_key=, ...) in the URL and the referer are logged as
// "****", as package redact decides.
//
// It gives each request its own logger (a copy of the one the server
// put in the context, or of a standard-error logger), as hlog.NewHandler
// does, so fields that filters inside it add, such as request_id's, are
// on its line too. Put it first in the pipeline.
//
// nova's RequestLog (nova.api.openstack.requestlog) is the same role,
// "borrowed from Paste Translogger": one line per request with the
// method, URI (script name, path and query), status, length and time.
// Its line also has the request's microversion, which this filter does
// not know (the microversion is chosen further in), and it is silent
// under eventlet, whose server logs requests itself.
func NewAccessLog(o AccessLogOptions) (func(http.Handler) http.Handler, error) {
	level, err := o.level()
	if err != nil {
		return nil, err
	}
	name := o.LoggerName
	access := hlog.AccessHandler(func(r *http.Request, status, size int, d time.Duration) {
		zerolog.Ctx(r.Context()).WithLevel(level).
			Str("logger", name).
			Str("method", r.Method).
			Str("url", request.ScriptName(r)+redact.URL(r.URL.RequestURI())).
			Int("status", status).
			Int("size", size).
			Float64("duration_seconds", d.Seconds()).
			Str("remote_addr", r.RemoteAddr).
			Str("user_agent", redact.Text(r.UserAgent())).
			Str("referer", redact.URL(r.Referer())).
			Msg("")
	})
	return func(next http.Handler) http.Handler {
		inner := access(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			base := zerolog.Ctx(r.Context())
			if base.GetLevel() == zerolog.Disabled {
				base = &accessLogOutput
			}
			l := base.With().Logger()
			inner.ServeHTTP(w, r.WithContext(l.WithContext(r.Context())))
		})
	}, nil
}
