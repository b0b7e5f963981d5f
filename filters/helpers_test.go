package filters

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/pasteserve/pasteserve/internal/filtertest"
	"github.com/pasteserve/pasteserve/pastetest"
	"github.com/pasteserve/pasteserve/reqlog"
	"github.com/rs/zerolog"
)

// The test app (egg:pasteserve#filters-test-app), the bench app and the
// helpers are internal/filtertest's, which the token filters' tests
// share.
var (
	pasteFile   = filtertest.PasteFile
	filterPaste = filtertest.FilterPaste
	benchPaste  = filtertest.BenchPaste
	do          = filtertest.Do
	get         = filtertest.Get
	line        = filtertest.Line
	withLogger  = filtertest.WithLogger
)

type discardWriter = filtertest.DiscardWriter

// The factories are built as pasteserve builds them, from a paste file
// api.ini (see pastetest.Build).
var (
	buildPaste     = pastetest.Build
	mustBuild      = pastetest.MustBuild
	wantBuildError = pastetest.WantBuildError
)

// benchFilter measures one filter in front of a handler that writes a
// short body. The request is made once and the response writer reused,
// so that the figures are the filter's own cost plus the app's (see
// BenchmarkAppAlone for the app's).
func benchFilter(b *testing.B, src string, req func() *http.Request) {
	h := mustBuild(b, src)
	r := req()
	w := &discardWriter{H: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.H)
		h.ServeHTTP(w, r)
	}
}

// BenchmarkAppAlone is the app every filter benchmark ends in, alone:
// subtract it to get a filter's own cost.
func BenchmarkAppAlone(b *testing.B) {
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	r := httptest.NewRequest("GET", "/", nil)
	w := &discardWriter{H: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.H)
		app.ServeHTTP(w, r)
	}
}

func TestMain(m *testing.M) {
	// Filters log to standard error when a request has no logger; keep
	// test output clean.
	reqlog.Fallback = zerolog.New(io.Discard)
	accessLogOutput = zerolog.New(io.Discard)
	os.Exit(m.Run())
}
