package tokenauth

import (
	"io"
	"os"
	"testing"

	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/internal/filtertest"
	"github.com/pasteserve/pasteserve/pastetest"
	"github.com/pasteserve/pasteserve/reqlog"
)

// The test app (egg:pasteserve#filters-test-app), the bench app and the
// helpers are internal/filtertest's, shared with the filters' tests.
var (
	pasteFile   = filtertest.PasteFile
	filterPaste = filtertest.FilterPaste
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

func TestMain(m *testing.M) {
	// The token filters log to standard error when a request has no
	// logger; keep test output clean.
	reqlog.Fallback = zerolog.New(io.Discard)
	os.Exit(m.Run())
}
