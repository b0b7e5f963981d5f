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
