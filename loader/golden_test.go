package loader_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	_ "github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/loader"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/paste")

const corpusDir = "../testdata/paste/corpus"

var appKinds = map[string]bool{"app": true, "application": true, "composite": true, "composit": true, "pipeline": true, "filter-app": true}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// TestCorpusGraphs resolves every app-kind section of every corpus file
// and compares the plan (text form, or the positioned error) with
// testdata/paste/corpus/<file>.<section>.graph.golden. Regenerate with
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
			if !ok || !appKinds[s.Kind()] {
				continue
			}
			n++
			golden := path + "." + unsafeChars.ReplaceAllString(name, "_") + ".graph.golden"
			t.Run(filepath.Base(golden), func(t *testing.T) {
				var out bytes.Buffer
				r := &loader.Resolver{Registry: loader.Default}
				node, err := r.Resolve(path, name, loader.TypeApp, nil)
				if err != nil {
					out.WriteString("error:\n")
					out.WriteString(strings.ReplaceAll(err.Error(), filepath.Dir(absPath(t, path))+"/", ""))
					out.WriteByte('\n')
				} else {
					loader.WriteText(&out, node, loader.TextOptions{Registry: loader.Default, BaseDir: filepath.Dir(absPath(t, path))})
				}
				compareGolden(t, golden, out.Bytes())
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

func absPath(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./loader -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got); if the change is right, rerun with -update and review the diff:\n%s", path, diff)
	}
}
