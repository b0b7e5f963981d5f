package dsl

import (
	"os"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// ParseFile reads and parses the named file. See Parse.
func ParseFile(filename string) (*File, error) {
	src, err := os.ReadFile(filename)
	if err != nil {
		return nil, err
	}
	return Parse(filename, src)
}

// Parse parses src as a paste-deploy file named filename. It accepts what
// Python's configparser accepts as PasteDeploy configures it (strict mode,
// case-sensitive keys, '=' and ':' delimiters, full-line comments only),
// gives the same values, and is kinder in two ways: a UTF-8 byte order
// mark is skipped, and every problem in the file is reported rather than
// the first.
//
// On error Parse returns as much of the file as it could read together
// with a Diagnostics listing every problem in source order.
func Parse(filename string, src []byte) (*File, error) {
	text := string(src)
	if i := invalidUTF8(text); i >= 0 {
		f := &File{Name: filename, src: text, lines: scan(filename, text).lineStarts}
		p := positionOf(f, i)
		var ds Diagnostics
		ds.Errorf(p, "the file is not valid UTF-8 (byte 0x%02x); save it as UTF-8", src[i])
		return f, ds
	}

	sc := scan(filename, text)
	f := &File{Name: filename, src: text, lines: sc.lineStarts, Comments: sc.comments}
	peek, err := lexer.Upgrade(&sliceLexer{toks: sc.toks})
	if err != nil {
		return f, Diagnostics{{Pos: Pos{Filename: filename}, Msg: err.Error()}}
	}
	node, err := grammar.ParseFromLexer(peek)
	if err != nil {
		// The lexer only yields sequences the grammar accepts; reaching
		// this means a bug in the lexer, reported rather than hidden.
		var p Pos
		if pe, ok := err.(interface{ Position() lexer.Position }); ok {
			p = pos(pe.Position())
		}
		p.Filename = filename
		return f, Diagnostics{{Pos: p, Msg: "internal parser error: " + err.Error()}}
	}
	ds := build(f, node, sc.entries)
	ds.Sort()
	return f, ds.Err()
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

// positionOf turns a byte offset of f's source into a position.
func positionOf(f *File, off int) Pos {
	line := sort.Search(len(f.lines), func(i int) bool { return f.lines[i] > off })
	start := 0
	if line > 0 {
		start = f.lines[line-1]
	}
	return Pos{Filename: f.Name, Offset: off, Line: line, Column: utf8.RuneCountInString(f.src[start:off]) + 1}
}

func pos(p lexer.Position) Pos {
	return Pos{Filename: p.Filename, Offset: p.Offset, Line: p.Line, Column: p.Column}
}

// end returns the position just after token t.
func end(t lexer.Token) Pos { return advance(pos(t.Pos), t.Value, len(t.Value)) }

// build turns the grammar's nodes into the AST and checks what the
// grammar leaves open: keys before any header, lines without a delimiter,
// empty keys, and duplicate sections and keys. entries are the scanned
// entries behind the Entry tokens, in file order.
func build(f *File, node *fileNode, entries []*Entry) Diagnostics {
	var ds Diagnostics
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

	sections := map[string]*Section{}
	type key struct{ section, key string }
	keys := map[key]*Entry{}
	for _, sn := range node.Sections {
		s := newSection(sn.Header)
		if first, dup := sections[s.Header]; dup && !s.IsDefault() {
			ds.Errorf(s.NamePos, "section [%s] is defined twice; merge the two or rename one", s.Header).
				Related = []Related{{Pos: first.NamePos, Msg: "first defined here"}}
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
					Related = []Related{{Pos: first.KeyPos, Msg: "first given here"}}
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
func newSection(h lexer.Token) *Section {
	rb := strings.LastIndexByte(h.Value, ']')
	s := &Section{
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
