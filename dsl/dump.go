package dsl

import (
	"fmt"
	"strings"
)

// Dump returns a stable, line-oriented text form of f for golden files
// and debugging: every section and entry with its positions (line:col,
// the file name left out), values quoted as Go strings, and each physical
// line of a multi-line value with its own position.
func Dump(f *File) string {
	var b strings.Builder
	for _, s := range f.Sections {
		fmt.Fprintf(&b, "section %q %s-%s", s.Header, lc(s.Pos), lc(s.End))
		if s.Trailing != "" {
			fmt.Fprintf(&b, " trailing=%q", s.Trailing)
		}
		b.WriteByte('\n')
		for _, e := range s.Entries {
			fmt.Fprintf(&b, "  entry %q %c %q %s-%s\n", e.Key, e.Delim, e.Value, lc(e.KeyPos), lc(e.End))
			if len(e.Lines) > 1 {
				for _, l := range e.Lines {
					fmt.Fprintf(&b, "    line %s %q\n", lc(l.Pos), l.Text)
				}
			}
		}
	}
	for _, c := range f.Comments {
		fmt.Fprintf(&b, "comment %s %q\n", lc(c.Pos), c.Text)
	}
	return b.String()
}

func lc(p Pos) string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }
