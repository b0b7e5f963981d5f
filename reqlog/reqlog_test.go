package reqlog_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

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
