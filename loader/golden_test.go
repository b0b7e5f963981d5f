package loader_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/pasteserve/pasteserve/builtin"
	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/pastetest"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/resolve"
)

// update is read by pastetest.Golden.
var update = flag.Bool("update", false, "rewrite the golden files under testdata/paste")

const corpusDir = "../testdata/paste/corpus"

// TestCorpusGraphs resolves every app-kind section of every corpus file
// and compares the plan (text form, or the positioned error) with
// testdata/paste/corpus/<file>.<section>.graph.golden, which also says
// where each part runs when served with --python. Regenerate with
// go test ./loader -update and review the diff.
func TestCorpusGraphs(t *testing.T) {
	var n int
	err := filepath.WalkDir(corpusDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".golden") || strings.HasSuffix(path, ".tsv") {
			return err
		}
		f, err := dsl.ParseFile(path)
		if err != nil {
			return nil // the AST golden records why
		}
		for _, s := range f.Sections {
			name, ok := s.Name()
			if !ok || !isApp(s) {
				continue
			}
			n++
			t.Run(filepath.Base(path)+"."+name, func(t *testing.T) {
				// The corpus is other projects' files: their own
				// factories are Python, recorded as unregistered,
				// and where each part runs with --python.
				pastetest.Golden(t, path, name, pastetest.Python())
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 150 {
		t.Errorf("resolved %d sections, want every app section of the corpus (150 or more)", n)
	}
}

// isApp reports whether s is a section that makes an app, by the
// loader's own rule.
func isApp(s *dsl.Section) bool {
	typ, ok := resolve.SectionType(s)
	return ok && typ == plan.TypeApp
}
