package dsl

import (
	"os"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse. Whatever the input, Parse must
// not panic; every diagnostic must carry a real position; every position
// in the AST must point at the text it names; and a file that parses must
// survive Format unchanged.
func FuzzParse(f *testing.F) {
	for _, path := range corpusFiles(f) {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	for _, src := range trickyInputs {
		f.Add([]byte(src))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := Parse("fuzz.ini", src)
		if err != nil {
			ds, ok := err.(Diagnostics)
			if !ok || len(ds) == 0 {
				t.Fatalf("error is %T %v, want non-empty Diagnostics", err, err)
			}
			for _, d := range ds {
				if !d.Pos.IsValid() || d.Pos.Column < 1 || d.Pos.Filename != "fuzz.ini" {
					t.Fatalf("diagnostic without a position: %q", d.Error())
				}
			}
			var b strings.Builder
			_ = ds.Write(&b, file) // must not panic either
			return
		}
		text := string(src)
		at := func(p Pos, want, what string) {
			if p.Offset < 0 || p.Offset > len(text) || !strings.HasPrefix(text[p.Offset:], want) {
				t.Fatalf("%s %q: position %v (offset %d) does not point at it", what, want, p, p.Offset)
			}
			line, ok := file.SourceLine(p.Line)
			if !ok || !strings.HasPrefix(string([]rune(line)[min(p.Column-1, len([]rune(line))):]), want) {
				t.Fatalf("%s %q: line %d column %d does not point at it (line %q)", what, want, p.Line, p.Column, line)
			}
		}
		for _, s := range file.Sections {
			at(s.Pos, "["+s.Header, "header")
			for _, e := range s.Entries {
				at(e.KeyPos, e.Key, "key")
				for _, l := range e.Lines {
					at(l.Pos, l.Text, "value line")
				}
			}
		}
		for _, c := range file.Comments {
			at(c.Pos, c.Text, "comment")
		}
		checkRoundTrip(t, file)
	})
}
