package resolve

import (
	"testing"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/internal/loadtest"
)

func files(t *testing.T, fs map[string]string) string { return loadtest.Files(t, fs) }
func testRegistry() *factory.Registry                 { return loadtest.Registry() }
func fuzzRegistry() *factory.Registry                 { return loadtest.FuzzRegistry() }
