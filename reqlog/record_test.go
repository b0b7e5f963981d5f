package reqlog_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"github.com/rs/zerolog/hlog"

	"github.com/pasteserve/pasteserve/reqlog"
)

// A Record's line is the line of the logger it stands for, byte for
// byte, whether or not that logger has been made: the fields after the
// logger's own, then the line's.
func TestRecordEventIsTheLoggersLine(t *testing.T) {
	var buf bytes.Buffer
	base := zerolog.New(&buf).With().Str("service", "pasteserve").Logger()
	want := `{"level":"info","service":"pasteserve","request_id":"req-1","user":"alice","status":200,"message":"done"}` + "\n"

	var lazy reqlog.Record
	lazy.Init(context.Background(), &base)
	lazy.Str("request_id", "req-1")
	lazy.Str("user", "alice")
	lazy.Event(zerolog.InfoLevel).Int("status", 200).Msg("done")
	if buf.String() != want {
		t.Errorf("before the logger is made:\n got %s\nwant %s", buf.String(), want)
	}

	buf.Reset()
	var made reqlog.Record
	made.Init(context.Background(), &base)
	made.Str("request_id", "req-1")
	reqlog.AddFields(&made, func(c zerolog.Context) zerolog.Context { return c.Str("user", "alice") })
	made.Event(zerolog.InfoLevel).Int("status", 200).Msg("done")
	if buf.String() != want {
		t.Errorf("once the logger is made:\n got %s\nwant %s", buf.String(), want)
	}

	// More fields than the Record keeps itself go to its logger.
	buf.Reset()
	var many reqlog.Record
	many.Init(context.Background(), &base)
	for _, k := range []string{"a", "b", "c", "d", "e", "f"} {
		many.Str(k, k)
	}
	many.Event(zerolog.InfoLevel).Msg("")
	if got := buf.String(); got != `{"level":"info","service":"pasteserve","a":"a","b":"b","c":"c","d":"d","e":"e","f":"f"}`+"\n" {
		t.Errorf("six fields: %s", got)
	}
}

// zerolog.Ctx, hlog and From find the request's logger in a Record and
// in the contexts made from it; it is made once, and fields added to it
// in place reach every line, the Record's own Event included.
func TestRecordIsTheContextsLogger(t *testing.T) {
	var buf bytes.Buffer
	base := zerolog.New(&buf)
	var r reqlog.Record
	r.Init(context.Background(), &base)
	r.Str("request_id", "req-1")
	ctx := context.WithValue(&r, struct{}{}, 1)
	l := zerolog.Ctx(ctx)
	if l != reqlog.From(ctx) || l != r.Logger() || l.GetLevel() == zerolog.Disabled {
		t.Fatal("zerolog.Ctx, From and Logger disagree")
	}
	l.UpdateContext(func(c zerolog.Context) zerolog.Context { return c.Str("user", "alice") })
	hl := hlog.FromRequest(httptestRequest(ctx))
	hl.Info().Msg("inner")
	r.Event(zerolog.InfoLevel).Msg("outer")
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if !strings.Contains(line, `"request_id":"req-1","user":"alice"`) {
			t.Errorf("a line without the request's fields: %s", line)
		}
	}
}

// Asking for the logger from many goroutines at once makes one.
func TestRecordLoggerIsMadeOnce(t *testing.T) {
	base := zerolog.Nop()
	var r reqlog.Record
	r.Init(context.Background(), &base)
	var wg sync.WaitGroup
	got := make([]*zerolog.Logger, 8)
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i] = reqlog.From(&r) }()
	}
	wg.Wait()
	for _, l := range got {
		if l != got[0] {
			t.Fatal("two loggers made for one request")
		}
	}
}

// A request nothing logs about but its line costs nothing: no logger is
// made, and its fields are written straight into the line.
func TestRecordEventAllocatesNothing(t *testing.T) {
	base := zerolog.New(discard{})
	// The Records are made beforehand, as a server allocates them for
	// its requests anyway.
	records := make([]reqlog.Record, 101)
	i := 0
	n := testing.AllocsPerRun(100, func() {
		r := &records[i]
		i++
		r.Init(context.Background(), &base)
		r.Str("request_id", "req-1")
		r.Event(zerolog.InfoLevel).Int("status", 200).Msg("done")
	})
	if n != 0 {
		t.Errorf("%.0f allocations", n)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func httptestRequest(ctx context.Context) *http.Request {
	r, _ := http.NewRequestWithContext(ctx, "GET", "http://x/", nil)
	return r
}

// A Record initialised again is a new request's: no fields and no
// logger of the last one's; a logger taken from it before stays the last
// request's, with its fields.
func TestRecordInitAgainIsANewRequests(t *testing.T) {
	var buf bytes.Buffer
	base := zerolog.New(&buf)
	var r reqlog.Record
	r.Init(context.Background(), &base)
	r.Str("request_id", "req-1")
	first := r.Logger()
	first.UpdateContext(func(c zerolog.Context) zerolog.Context { return c.Str("user", "alice") })

	r.Init(context.Background(), &base)
	r.Str("request_id", "req-2")
	r.Event(zerolog.InfoLevel).Msg("second")
	first.Info().Msg("first")
	if r.Logger() == first {
		t.Error("the second request has the first one's logger")
	}
	want := `{"level":"info","request_id":"req-2","message":"second"}` + "\n" +
		`{"level":"info","request_id":"req-1","user":"alice","message":"first"}` + "\n"
	if buf.String() != want {
		t.Errorf("got\n%swant\n%s", buf.String(), want)
	}
}
