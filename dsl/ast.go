package dsl

import "strings"

// File is a parsed paste-deploy file: its sections in the order written,
// and its full-line comments. The source text is kept so that diagnostics
// can quote the line they point at.
type File struct {
	Name     string // file name as given to Parse
	Sections []*Section
	Comments []*Comment
	src      string
	lines    []int // byte offset of the start of each line
}

// Section is one [header] and the entries under it.
type Section struct {
	// Header is the text between the brackets exactly as written, for
	// example "app:main", "filter: authtoken " or "DEFAULT".
	Header  string
	Pos     Pos // the opening '['
	NamePos Pos // the first character of Header
	// Trailing is any text after the closing ']' on the header line.
	// configparser ignores it silently; pasteserve check warns.
	Trailing string
	End      Pos // just after the last character of the section's last line
	Entries  []*Entry
}

// DefaultSection is the header of the section whose keys are the defaults
// of every other section. It is case-sensitive: [default] is an ordinary
// section.
const DefaultSection = "DEFAULT"

// IsDefault reports whether s is a [DEFAULT] section.
func (s *Section) IsDefault() bool { return s.Header == DefaultSection }

// Kind returns the text before the first ':' of the header, as written
// ("app" for [app:main]), or the whole header when it has no ':'.
// PasteDeploy compares it exactly: [app :main] has kind "app ", which is
// no kind PasteDeploy knows.
func (s *Section) Kind() string {
	if i := strings.IndexByte(s.Header, ':'); i >= 0 {
		return s.Header[:i]
	}
	return s.Header
}

// Name returns the text after the first ':' of the header with white
// space trimmed ("main" for [app: main ]), and false when the header has
// no ':' (a bare [app] or [DEFAULT]).
func (s *Section) Name() (string, bool) {
	i := strings.IndexByte(s.Header, ':')
	if i < 0 {
		return "", false
	}
	return trimSpace(s.Header[i+1:]), true
}

// Entry returns the entry with the given key, or nil. Keys are
// case-sensitive.
func (s *Section) Entry(key string) *Entry {
	for _, e := range s.Entries {
		if e.Key == key {
			return e
		}
	}
	return nil
}

// Entry is one "key = value" (or "key: value") with its continuation
// lines.
type Entry struct {
	Key    string
	KeyPos Pos
	Delim  byte // '=' or ':'
	// Value is the value as configparser gives it: each line stripped,
	// lines joined with "\n", comment lines inside left out, blank lines
	// inside kept, trailing blank lines dropped.
	Value string
	// Lines are the physical lines that make up Value, the first one
	// being the text after the delimiter (possibly empty). Blank lines
	// kept inside the value appear with empty Text.
	Lines []Line
	End   Pos // just after the value's last character
}

// Line is one physical line of a value, stripped, with the position of
// its first character.
type Line struct {
	Text string
	Pos  Pos
}

// Pos returns the position of the entry's key.
func (e *Entry) Pos() Pos { return e.KeyPos }

// ValuePos returns the source position of the byte at index i of Value,
// so that an error about a word inside a long multi-line value (a pipeline
// item, say) can point at that word. An index past the end gives the
// position just after the last character.
func (e *Entry) ValuePos(i int) Pos {
	for _, l := range e.Lines {
		if i <= len(l.Text) {
			p := l.Pos
			p.Offset += i
			p.Column += len([]rune(l.Text[:i]))
			return p
		}
		i -= len(l.Text) + 1 // the "\n" that joins lines
	}
	return e.End
}

// Comment is a full-line comment: a line whose first non-blank character
// is '#' or ';'. Text is the stripped line, marker included.
type Comment struct {
	Text string
	Pos  Pos
}

// Defaults returns the entries of every [DEFAULT] section, in file order.
// A file may repeat [DEFAULT]; its keys merge (Parse rejects a key given
// twice).
func (f *File) Defaults() []*Entry {
	var out []*Entry
	for _, s := range f.Sections {
		if s.IsDefault() {
			out = append(out, s.Entries...)
		}
	}
	return out
}

// Section returns the section whose header is exactly header, or nil.
// For [DEFAULT], use Defaults, since it may be repeated.
func (f *File) Section(header string) *Section {
	for _, s := range f.Sections {
		if s.Header == header {
			return s
		}
	}
	return nil
}

// SourceLine returns the text of line n (counting from 1) of the file as
// parsed, without its line terminator, and false when there is no such
// line.
func (f *File) SourceLine(n int) (string, bool) {
	if f == nil || n < 1 || n > len(f.lines) {
		return "", false
	}
	start := f.lines[n-1]
	end := len(f.src)
	if n < len(f.lines) {
		end = f.lines[n]
	}
	return strings.TrimRight(f.src[start:end], "\r\n"), true
}
