package reqlog_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/reqlog"
)

func TestFromFallsBack(t *testing.T) {
	if l := reqlog.From(context.Background()); l != &reqlog.Fallback {
		t.Errorf("a context without a logger: From = %p, want &Fallback", l)
	}
	var buf bytes.Buffer
	l := zerolog.New(&buf)
	if got := reqlog.From(l.WithContext(context.Background())); got.GetLevel() == zerolog.Disabled || got == &reqlog.Fallback {
		t.Errorf("a context with a logger: From gives the fallback")
	}
}

func TestAddFields(t *testing.T) {
	// Without a logger nothing changes.
	ctx := context.Background()
	if got := reqlog.AddFields(ctx, func(c zerolog.Context) zerolog.Context { return c.Str("k", "v") }); got != ctx {
		t.Errorf("a context without a logger was replaced")
	}
	// A per-request logger is updated in place: a handler outside, which
	// holds the same context, logs the field too.
	var buf bytes.Buffer
	base := zerolog.New(&buf)
	l := base.With().Logger()
	outer := l.WithContext(context.Background())
	reqlog.AddFields(outer, func(c zerolog.Context) zerolog.Context { return c.Str("request_id", "req-1") })
	reqlog.From(outer).Info().Msg("outside")
	if !strings.Contains(buf.String(), `"request_id":"req-1"`) {
		t.Errorf("the field is not on the outer handler's line: %s", buf.String())
	}
	// The process-wide default logger is copied, never updated.
	old := zerolog.DefaultContextLogger
	defer func() { zerolog.DefaultContextLogger = old }()
	buf.Reset()
	def := zerolog.New(&buf)
	zerolog.DefaultContextLogger = &def
	inner := reqlog.AddFields(context.Background(), func(c zerolog.Context) zerolog.Context { return c.Str("user", "alice") })
	reqlog.From(inner).Info().Msg("inner")
	def.Info().Msg("default")
	if lines := strings.Split(strings.TrimSpace(buf.String()), "\n"); len(lines) != 2 ||
		!strings.Contains(lines[0], `"user":"alice"`) || strings.Contains(lines[1], "alice") {
		t.Errorf("the default logger took the field:\n%s", buf.String())
	}
}

// A filter adds the user to the request's logger; the line the handler
// inside logs carries it.
func ExampleAddFields() {
	base := zerolog.New(os.Stdout)
	l := base.With().Logger() // the copy a server makes for each request
	ctx := l.WithContext(context.Background())

	ctx = reqlog.AddFields(ctx, func(c zerolog.Context) zerolog.Context { return c.Str("user_id", "alice") })
	reqlog.From(ctx).Info().Msg("listing servers")
	fmt.Println("done")
	// Output:
	// {"level":"info","user_id":"alice","message":"listing servers"}
	// done
}

// AddStr adds the field where AddFields would: into a Record whose
// logger is not made, without making it (and without allocating); into
// the logger otherwise, a logger put in the context inside the Record
// (as access_log and hlog.NewHandler put theirs) included, whose lines
// then carry it and the Record's do not, as with AddFields.
func TestAddStr(t *testing.T) {
	var buf bytes.Buffer
	base := zerolog.New(&buf)
	var r reqlog.Record
	r.Init(context.Background(), &base)
	ctx := context.WithValue(&r, struct{}{}, 1)
	if got := reqlog.AddStr(ctx, "global_request_id", "req-g"); got != ctx {
		t.Error("AddStr into a Record replaced the context")
	}
	r.Event(zerolog.InfoLevel).Msg("")
	if got := buf.String(); got != `{"level":"info","global_request_id":"req-g"}`+"\n" {
		t.Errorf("the Record's line: %s", got)
	}
	if n := testing.AllocsPerRun(100, func() {
		r.Init(context.Background(), &base)
		reqlog.AddStr(ctx, "k", "v")
	}); n != 0 {
		t.Errorf("AddStr into a Record allocates %.0f times", n)
	}

	// A logger of its own inside the Record (access_log's copy) takes it.
	buf.Reset()
	r.Init(context.Background(), &base)
	own := reqlog.From(&r).With().Logger()
	inner := own.WithContext(&r)
	reqlog.AddStr(inner, "user", "alice")
	reqlog.From(inner).Info().Msg("inner")
	r.Event(zerolog.InfoLevel).Msg("outer")
	if lines := strings.Split(strings.TrimSpace(buf.String()), "\n"); len(lines) != 2 ||
		!strings.Contains(lines[0], `"user":"alice"`) || strings.Contains(lines[1], "alice") {
		t.Errorf("the field went elsewhere than the nearest logger:\n%s", buf.String())
	}

	// No logger: nothing changes.
	bg := context.Background()
	if got := reqlog.AddStr(bg, "k", "v"); got != bg {
		t.Error("a context without a logger was replaced")
	}
}

// Timestamp writes what zerolog's Context.Timestamp writes, byte for
// byte: for times in one second and the next, in UTC and in a zone with
// an offset, and with another TimeFieldFormat.
func TestTimestampIsZerologs(t *testing.T) {
	defer func(f func() time.Time, format string) { zerolog.TimestampFunc, zerolog.TimeFieldFormat = f, format }(zerolog.TimestampFunc, zerolog.TimeFieldFormat)
	zone := time.FixedZone("X", 5*3600+30*60)
	base := time.Date(2026, 12, 2, 4, 20, 26, 999_999_999, time.UTC)
	times := []time.Time{base, base.Add(1), base.Add(time.Nanosecond + time.Second), base.In(zone), base.Add(1).In(zone), base.Add(-time.Hour * 24 * 400), base}
	for _, format := range []string{time.RFC3339, time.RFC3339Nano, zerolog.TimeFormatUnixMs} {
		zerolog.TimeFieldFormat = format
		for _, now := range times {
			zerolog.TimestampFunc = func() time.Time { return now }
			var ours, theirs bytes.Buffer
			o := zerolog.New(&ours).Hook(reqlog.Timestamp{}).With().Str("a", "b").Logger()
			o.Info().Msg("m")
			w := zerolog.New(&theirs).With().Str("a", "b").Timestamp().Logger()
			w.Info().Msg("m")
			if ours.String() != theirs.String() {
				t.Errorf("%s, %v:\n got %s\nwant %s", format, now, ours.String(), theirs.String())
			}
		}
	}
}

// lineTimed is an event context that has read the clock for its line.
type lineTimed struct {
	context.Context
	t  time.Time
	ok bool
}

func (c lineTimed) LineTime() (time.Time, bool) { return c.t, c.ok }

// Timestamp writes the time an event's context has read for the line
// (LineTimer), and reads the clock when the context has none.
func TestTimestampTakesTheLinesTime(t *testing.T) {
	defer func(f func() time.Time) { zerolog.TimestampFunc = f }(zerolog.TimestampFunc)
	clock := time.Date(2026, 12, 2, 17, 0, 0, 0, time.UTC)
	zerolog.TimestampFunc = func() time.Time { return clock }
	read := time.Date(2026, 12, 2, 16, 59, 58, 500, time.UTC)
	for _, c := range []struct {
		ctx  context.Context
		want string
	}{
		{lineTimed{context.Background(), read, true}, `"time":"2026-12-02T16:59:58Z"`},
		{lineTimed{context.Background(), read, false}, `"time":"2026-12-02T17:00:00Z"`},
		{context.Background(), `"time":"2026-12-02T17:00:00Z"`},
	} {
		var buf bytes.Buffer
		l := zerolog.New(&buf).Hook(reqlog.Timestamp{})
		l.Info().Ctx(c.ctx).Msg("m")
		if !strings.Contains(buf.String(), c.want) {
			t.Errorf("%T: got %s, want %s in it", c.ctx, buf.String(), c.want)
		}
	}
}

func BenchmarkTimestamp(b *testing.B) {
	for _, h := range []struct {
		name string
		log  zerolog.Logger
	}{
		{"zerolog", zerolog.New(io.Discard).With().Timestamp().Logger()},
		{"reqlog", zerolog.New(io.Discard).Hook(reqlog.Timestamp{})},
	} {
		b.Run(h.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				h.log.Info().Msg("")
			}
		})
	}
}
