package dsl

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/paste")

const corpusDir = "../testdata/paste/corpus"

// corpusFiles lists the real paste files kept under testdata (see
// testdata/paste/corpus/SOURCES.tsv), PasteDeploy's own test configs
// included.
func corpusFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(corpusDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(path, ".golden") || strings.HasSuffix(path, ".tsv") {
			return nil
		}
		files = append(files, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 70 {
		t.Fatalf("found %d corpus files under %s, want at least 70", len(files), corpusDir)
	}
	return files
}

// golden compares got with the golden file, or rewrites it under -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./dsl -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got); if the change is right, rerun with -update and review the diff:\n%s", path, diff)
	}
}

// TestCorpusGolden parses every corpus file and compares its AST dump,
// or for files that do not parse, the positioned errors with excerpts,
// with testdata/paste/corpus/<file>.ast.golden.
func TestCorpusGolden(t *testing.T) {
	for _, path := range corpusFiles(t) {
		rel, _ := filepath.Rel(corpusDir, path)
		t.Run(rel, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(filepath.ToSlash(rel), src)
			var out bytes.Buffer
			if err != nil {
				out.WriteString("error:\n")
				if werr := err.(Diagnostics).Write(&out, f); werr != nil {
					t.Fatal(werr)
				}
			} else {
				out.WriteString(Dump(f))
			}
			golden(t, path+".ast.golden", out.Bytes())
		})
	}
}

// TestFormatRoundTrip checks parse(format(parse(x))) == parse(x) for
// every corpus file that parses: same sections, keys and values, and the
// same comments.
func TestFormatRoundTrip(t *testing.T) {
	for _, path := range corpusFiles(t) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(path, src)
		if err != nil {
			continue // the templates and the file with a duplicate key
		}
		t.Run(filepath.Base(path), func(t *testing.T) { checkRoundTrip(t, f) })
	}
}

func checkRoundTrip(t *testing.T, f *File) {
	t.Helper()
	out := Format(f)
	g, err := Parse(f.Name, out)
	if err != nil {
		t.Fatalf("formatted output does not parse: %v\n%s", err, out)
	}
	if diff := cmp.Diff(shape(f), shape(g)); diff != "" {
		t.Fatalf("round trip changed the file (-before +after):\n%s\nformatted:\n%s", diff, out)
	}
}

// shape is what Format must keep: headers in order, entries in order
// with keys, delimiters and values, and comment texts in order.
func shape(f *File) []string {
	var out []string
	for _, s := range f.Sections {
		out = append(out, "["+s.Header+"] "+s.Trailing)
		for _, e := range s.Entries {
			out = append(out, e.Key+string(e.Delim)+e.Value)
		}
	}
	for _, c := range f.Comments {
		out = append(out, c.Text)
	}
	return out
}
