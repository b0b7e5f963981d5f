package binarytest_test

import (
	"os"
	"testing"

	"github.com/pasteserve/pasteserve/internal/binarytest"
)

var pasteserve string

// A package's integration tests run the real binary, built once.
func ExampleRun() {
	var m *testing.M // TestMain's
	if m != nil {
		os.Exit(binarytest.Run(m, "../../cmd/pasteserve", "pasteserve", &pasteserve))
	}
	// Output:
}
