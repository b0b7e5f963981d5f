package dsl

import (
	"bytes"
	"strings"
)

// Format prints f back as a paste file in a canonical layout: one blank
// line between sections, keys at the start of the line, the delimiter as
// written (" = " or ": "), continuation lines indented by four spaces,
// and blank lines inside values kept. Comments are kept and placed before
// the section or entry that follows them; a comment written between the
// continuation lines of a value moves above its key. Parsing the output
// gives the same sections, keys and values as f.
func Format(f *File) []byte {
	var b bytes.Buffer
	comments := f.Comments
	flush := func(before Pos, indent string) {
		for len(comments) > 0 && (!before.IsValid() || comments[0].Pos.Offset < before.Offset) {
			b.WriteString(indent)
			b.WriteString(comments[0].Text)
			b.WriteByte('\n')
			comments = comments[1:]
		}
	}
	for i, s := range f.Sections {
		if i > 0 {
			b.WriteByte('\n')
		}
		flush(s.Pos, "")
		b.WriteByte('[')
		b.WriteString(s.Header)
		b.WriteByte(']')
		if s.Trailing != "" {
			b.WriteByte(' ')
			b.WriteString(s.Trailing)
		}
		b.WriteByte('\n')
		for _, e := range s.Entries {
			flush(e.KeyPos, "")
			writeEntry(&b, e)
		}
	}
	flush(Pos{}, "")
	return b.Bytes()
}

func writeEntry(b *bytes.Buffer, e *Entry) {
	b.WriteString(e.Key)
	if e.Delim == ':' {
		b.WriteByte(':')
	} else {
		b.WriteString(" =")
	}
	lines := strings.Split(e.Value, "\n")
	if lines[0] != "" {
		b.WriteByte(' ')
		b.WriteString(lines[0])
	}
	b.WriteByte('\n')
	for _, l := range lines[1:] {
		if l != "" {
			b.WriteString("    ")
			b.WriteString(l)
		}
		b.WriteByte('\n')
	}
}
