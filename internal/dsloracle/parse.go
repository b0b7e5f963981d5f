package dsloracle

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/pasteserve/pasteserve/dsl"
)

// Result is what the reference parser makes of a file: the AST, in the
// exported fields of a dsl.File (File.SourceLine does not work on it,
// since the source is dsl's own business), the byte offset at which each
// line starts, from which dsl's SourceLine is checked, and the
// diagnostics, sorted by position, nil when there are none.
type Result struct {
	File        *dsl.File
	LineStarts  []int
	Diagnostics dsl.Diagnostics
}

// Err returns the diagnostics as dsl.Parse returns them: nil unless one
// is an error.
func (r *Result) Err() error { return r.Diagnostics.Err() }

// SourceLine returns line n (counting from 1) of src, which r was parsed
// from, without its line terminator, and false when there is no such
// line: what dsl.File.SourceLine must return.
func (r *Result) SourceLine(src string, n int) (string, bool) {
	if n < 1 || n > len(r.LineStarts) {
		return "", false
	}
	end := len(src)
	if n < len(r.LineStarts) {
		end = r.LineStarts[n]
	}
	return strings.TrimRight(src[r.LineStarts[n-1]:end], "\r\n"), true
}

// Parse parses src as dsl.Parse did before 5f159b2 (dsl/parse.go of
// 5f159b2^): check the encoding, scan the lines into tokens, group them
// with the participle grammar, then build the AST and check what the
// grammar leaves open.
func Parse(filename string, src []byte) *Result {
	text := string(src)
	if i := invalidUTF8(text); i >= 0 {
		lines := refScan(filename, text).lineStarts
		r := &Result{File: &dsl.File{Name: filename}, LineStarts: lines}
		r.Diagnostics.Errorf(positionOf(filename, text, lines, i), "the file is not valid UTF-8 (byte 0x%02x); save it as UTF-8", src[i])
		return r
	}

	sc := refScan(filename, text)
	f := &dsl.File{Name: filename, Comments: sc.comments}
	r := &Result{File: f, LineStarts: sc.lineStarts}
	peek, err := lexer.Upgrade(&sliceLexer{toks: sc.toks})
	if err != nil {
		r.Diagnostics = dsl.Diagnostics{{Pos: dsl.Pos{Filename: filename}, Msg: err.Error()}}
		return r
	}
	node, err := grammar.ParseFromLexer(peek)
	if err != nil {
		// The lexer only yields sequences the grammar accepts; reaching
		// this means a bug in the lexer, reported rather than hidden.
		var p dsl.Pos
		if pe, ok := err.(interface{ Position() lexer.Position }); ok {
			p = pos(pe.Position())
		}
		p.Filename = filename
		r.Diagnostics = dsl.Diagnostics{{Pos: p, Msg: "internal parser error: " + err.Error()}}
		return r
	}
	r.Diagnostics = build(f, node, sc.entries)
	r.Diagnostics.Sort()
	return r
}

func invalidUTF8(s string) int {
	if utf8.ValidString(s) {
		return -1
	}
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return i
			}
		}
	}
	return -1
}

// positionOf turns a byte offset of src, whose lines start at lines,
// into a position.
func positionOf(filename, src string, lines []int, off int) dsl.Pos {
	line := sort.Search(len(lines), func(i int) bool { return lines[i] > off })
	start := 0
	if line > 0 {
		start = lines[line-1]
	}
	return dsl.Pos{Filename: filename, Offset: off, Line: line, Column: utf8.RuneCountInString(src[start:off]) + 1}
}

func pos(p lexer.Position) dsl.Pos {
	return dsl.Pos{Filename: p.Filename, Offset: p.Offset, Line: p.Line, Column: p.Column}
}

// end returns the position just after token t.
func end(t lexer.Token) dsl.Pos { return advance(pos(t.Pos), t.Value, len(t.Value)) }

// build turns the grammar's nodes into the AST and checks what the
// grammar leaves open: keys before any header, lines without a delimiter,
// empty keys, and duplicate sections and keys. entries are the scanned
// entries behind the Item tokens that have a delimiter, in file order.
func build(f *dsl.File, node *fileNode, entries []*dsl.Entry) dsl.Diagnostics {
	var ds dsl.Diagnostics
	if node.Stray != nil {
		if t := node.Stray.First; !isJunk(t) {
			ds.Errorf(pos(t.Pos), "key %q comes before any section header; put a header such as [app:main] above it", entries[0].Key)
		} else {
			ds.Errorf(pos(t.Pos), "text before any section header; a paste file starts with a header such as [app:main]")
		}
		for _, t := range node.Stray.Tokens {
			if !isJunk(t) {
				entries = entries[1:]
			}
		}
	}

	sections := map[string]*dsl.Section{}
	type key struct{ section, key string }
	keys := map[key]*dsl.Entry{}
	for _, sn := range node.Sections {
		s := newSection(sn.Header)
		if first, dup := sections[s.Header]; dup && !s.IsDefault() {
			ds.Errorf(s.NamePos, "section [%s] is defined twice; merge the two or rename one", s.Header).
				Related = []dsl.Related{{Pos: first.NamePos, Msg: "first defined here"}}
		} else if !dup {
			sections[s.Header] = s
		}
		for _, t := range sn.Tokens[1:] {
			if isJunk(t) {
				ds.Errorf(pos(t.Pos), "line has no '=' or ':'; write key = value, or start a comment with '#' or ';'")
				continue
			}
			e := entries[0]
			entries = entries[1:]
			s.Entries = append(s.Entries, e)
			s.End = e.End
			if e.Key == "" {
				ds.Errorf(e.KeyPos, "entry has no key before '%c'", e.Delim)
				continue
			}
			k := key{s.Header, e.Key}
			if first, dup := keys[k]; dup {
				ds.Errorf(e.KeyPos, "key %q is given twice in [%s]; keep one (keys are case-sensitive)", e.Key, s.Header).
					Related = []dsl.Related{{Pos: first.KeyPos, Msg: "first given here"}}
				continue
			}
			keys[k] = e
		}
		f.Sections = append(f.Sections, s)
	}
	return ds
}

// isJunk reports whether an item line has no delimiter: configparser's
// parsing error. Other items are entries, in the scanner's entry list.
func isJunk(t lexer.Token) bool { return strings.IndexAny(t.Value, "=:") < 0 }

// newSection builds a Section from its header line: "[", the header text
// up to the last ']', and anything after it.
func newSection(h lexer.Token) *dsl.Section {
	rb := strings.LastIndexByte(h.Value, ']')
	s := &dsl.Section{
		Header:  h.Value[1:rb],
		Pos:     pos(h.Pos),
		NamePos: advance(pos(h.Pos), h.Value, 1),
		End:     end(h),
	}
	if tail := h.Value[rb+1:]; tail != "" {
		n, _ := leadingSpace(tail)
		s.Trailing = tail[n:]
	}
	return s
}
