package dsl

import (
	"strings"
	"unicode/utf8"
)

const bom = "\uFEFF"

// scan reads src line by line following configparser's rules (see
// docs/dsl.md) and builds the file's sections, entries and comments as
// it goes, with a diagnostic for each problem: full-line comments even
// when indented; a line indented deeper than the last key or header line
// continues the current value; blank lines inside a value are kept only
// when a continuation line follows them; lines end at "\n", "\r\n" or a
// lone "\r".
//
// The scanner works line by line, the way configparser reads, because
// whether a line continues a value depends on the indentation of the key
// line above it: no context-free grammar can tell that alone. What is
// left once each line is classified (a header starts a section, entries
// and junk lines belong to the section above them) needs no parser
// either, so the scanner builds the AST itself. (It used to hand one
// token per line to a participle grammar, File = Item* (Header Item*)*,
// which spent more than half of the parse, and most of its allocations,
// grouping tokens the scanner had already classified.)
//
// The checks are lenient on purpose, so that every problem gets its own
// message instead of a parser's first syntax error: keys and text before
// any header, lines without a delimiter, empty keys, and duplicate
// sections and keys.
func scan(filename, src string) *scanner {
	s := &scanner{filename: filename, src: src}
	lines := strings.Count(src, "\n") + 1
	s.lineStarts = make([]int, 0, lines)
	s.run()
	return s
}

// scanner holds what scan found: the sections, the comments and the
// diagnostics, in file order, and the byte offset at which each line
// starts.
type scanner struct {
	filename   string
	src        string
	sections   []*Section
	comments   []*Comment
	ds         Diagnostics
	lineStarts []int

	inSection   bool     // a header has been seen (configparser's cursect)
	cur         *Entry   // the entry that may still take continuation lines (optname)
	indentLevel int      // indentation, in characters, of the last key or header line
	pending     []Line   // blank lines after cur, kept if a continuation line follows
	stray       bool     // a line before any header has been reported
	sec         *Section // the section being read
	entries     []*Entry // the entries of every section, in file order
	first       int      // the index in entries of sec's first entry
	multi       []*Entry // the entries with continuation lines, whose Value is joined at the end

	// headers holds, for each header, its first section and, once
	// needed, the first entry of each key in its sections; keys is the
	// latter for the section being read (nil while a linear search of
	// its few entries is cheaper).
	headers map[string]group
	keys    map[string]*Entry

	// Nodes are carved out of blocks: a file of 10,000 sections would
	// otherwise cost an allocation per node.
	entryNodes   nodes[Entry]
	lineNodes    nodes[Line]
	sectionNodes nodes[Section]
	commentNodes nodes[Comment]
}

// group is what a header's sections share: keys are unique across all
// of them (a repeated [DEFAULT] merges into one).
type group struct {
	first *Section
	keys  map[string]*Entry // nil while the header has one section of few entries
}

// linearKeys is how many entries a section may have before its keys go
// into a map: up to then, looking through them is cheaper than hashing.
const linearKeys = 8

func (s *scanner) run() {
	off := 0
	if strings.HasPrefix(s.src, bom) {
		off = len(bom)
	}
	line := 1
	// nl and cr are the offsets of the next '\n' and '\r' at or after
	// off (len(src) for none), each searched for again only once off
	// has passed it: a file that ends its lines with one of them is
	// searched once for the other, not once per line.
	nl, cr := -1, -1
	for off < len(s.src) {
		if nl < off {
			nl = indexFrom(s.src, off, '\n')
		}
		if cr < off {
			cr = indexFrom(s.src, off, '\r')
		}
		end := min(nl, cr)
		next := end + 1
		if end == cr && cr+1 == nl {
			next++ // "\r\n"
		}
		s.lineStarts = append(s.lineStarts, off)
		s.line(s.src[off:end], Pos{Filename: s.filename, Offset: off, Line: line, Column: 1})
		off = next
		line++
	}
	s.endSection()
	for _, e := range s.multi {
		e.Value = joinLines(e.Lines)
	}
}

// indexFrom returns the offset of the first c in s at or after from, or
// len(s).
func indexFrom(s string, from int, c byte) int {
	if i := strings.IndexByte(s[from:], c); i >= 0 {
		return from + i
	}
	return len(s)
}

// joinLines joins the text of lines with "\n", as configparser joins a
// value's lines, in one allocation.
func joinLines(lines []Line) string {
	n := len(lines) - 1
	for _, l := range lines {
		n += len(l.Text)
	}
	var b strings.Builder
	b.Grow(n)
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l.Text)
	}
	return b.String()
}

func (s *scanner) line(text string, start Pos) {
	// Columns count characters; in an ASCII line, which most are, they
	// count bytes, and one look at the line saves counting runes for
	// each position taken in it.
	ascii := isASCII(text)
	lead, indent := leadingSpace(text)
	body := trimRightSpace(text[lead:])
	at := advanceIn(start, text, lead, ascii)
	switch {
	case body == "":
		if s.inSection && s.cur != nil {
			s.pending = append(s.pending, Line{Pos: at})
		}
		return
	case body[0] == '#' || body[0] == ';':
		c := s.newComment()
		*c = Comment{Text: body, Pos: at}
		s.comments = append(s.comments, c)
		return
	case s.inSection && s.cur != nil && s.cur.Key != "" && indent > s.indentLevel:
		// Only the lines are kept here; Value is joined from them once
		// the file is read (see run), since appending to it line by line
		// copies the whole value each time.
		e := s.cur
		if len(e.Lines) == 1 {
			s.multi = append(s.multi, e)
		}
		e.Lines = s.appendLines(e.Lines, Line{Text: body, Pos: at})
		e.End = advanceIn(at, body, len(body), ascii)
		s.sec.End = e.End // cur is the last entry of the section
		s.pending = s.pending[:0]
		return
	}
	s.pending = s.pending[:0]
	s.indentLevel = indent

	if rb := strings.LastIndexByte(body, ']'); body[0] == '[' && rb >= 2 {
		s.header(body, rb, at, ascii)
		return
	}
	d := indexDelim(body)
	if d < 0 {
		// configparser records the error and reads on; the value that
		// was open stays open.
		switch {
		case s.inSection:
			s.ds.Errorf(at, "line has no '=' or ':'; write key = value, or start a comment with '#' or ';'")
		case !s.stray:
			s.stray = true
			s.ds.Errorf(at, "text before any section header; a paste file starts with a header such as [app:main]")
		}
		return
	}
	// Split at the first delimiter, as configparser does: "a:b=c" is key
	// "a", value "b=c".
	key := trimRightSpace(body[:d])
	if !s.inSection {
		// configparser stops at the first; the rest before the first
		// header are not reported again, and belong to no section.
		if !s.stray {
			s.stray = true
			s.ds.Errorf(at, "key %q comes before any section header; put a header such as [app:main] above it", key)
		}
		return
	}
	n, _ := leadingSpace(body[d+1:])
	value := body[d+1+n:]
	e := s.newEntry()
	*e = Entry{
		Key:    key,
		KeyPos: at,
		Delim:  body[d],
		Value:  value,
		Lines:  s.newLine(Line{Text: value, Pos: advanceIn(at, body, d+1+n, ascii)}),
		End:    advanceIn(at, body, len(body), ascii),
	}
	s.cur = e
	s.entries = append(s.entries, e)
	s.sec.End = e.End
	if key == "" {
		s.ds.Errorf(e.KeyPos, "entry has no key before '%c'", e.Delim)
		return
	}
	if first := s.firstWithKey(key); first != nil {
		s.ds.Errorf(e.KeyPos, "key %q is given twice in [%s]; keep one (keys are case-sensitive)", key, s.sec.Header).
			Related = []Related{{Pos: first.KeyPos, Msg: "first given here"}}
		return
	}
	if s.keys != nil {
		s.keys[key] = e
	}
}

// firstWithKey returns the first entry before the last one read with key
// under the current section's header, or nil. Keys are looked up in the
// header's map once it has one; until then the header has only the
// current section, whose few entries are searched in order.
func (s *scanner) firstWithKey(key string) *Entry {
	if s.keys == nil {
		before := s.entries[s.first : len(s.entries)-1]
		if len(before) < linearKeys {
			for _, e := range before {
				if e.Key == key {
					return e
				}
			}
			return nil
		}
		s.keys = keysOf(before)
		s.headers[s.sec.Header] = group{first: s.headers[s.sec.Header].first, keys: s.keys}
	}
	return s.keys[key]
}

// keysOf maps each key of entries to the first entry that has it.
func keysOf(entries []*Entry) map[string]*Entry {
	m := make(map[string]*Entry, 2*len(entries))
	for _, e := range entries {
		if _, ok := m[e.Key]; !ok && e.Key != "" {
			m[e.Key] = e
		}
	}
	return m
}

// header starts a section at its header line body, whose last ']' is at
// rb: "[", the header text up to that ']', and anything after it. ascii
// says whether the line is all ASCII.
func (s *scanner) header(body string, rb int, at Pos, ascii bool) {
	s.endSection()
	sec := s.newSection()
	*sec = Section{
		Header:  body[1:rb],
		Pos:     at,
		NamePos: advanceIn(at, body, 1, ascii),
		End:     advanceIn(at, body, len(body), ascii),
	}
	if tail := body[rb+1:]; tail != "" {
		n, _ := leadingSpace(tail)
		sec.Trailing = tail[n:]
	}
	if s.headers == nil {
		// Most headers start a line: counting those sizes the map
		// once instead of growing it by rehashing.
		s.headers = make(map[string]group, strings.Count(s.src, "\n[")+1)
	}
	if g, dup := s.headers[sec.Header]; dup {
		if !sec.IsDefault() {
			s.ds.Errorf(sec.NamePos, "section [%s] is defined twice; merge the two or rename one", sec.Header).
				Related = []Related{{Pos: g.first.NamePos, Msg: "first defined here"}}
		}
		// From now on the header's keys span two sections.
		if g.keys == nil {
			g.keys = keysOf(g.first.Entries)
			s.headers[sec.Header] = g
		}
		s.keys = g.keys
	} else {
		s.headers[sec.Header] = group{first: sec}
		s.keys = nil
	}
	s.sections = append(s.sections, sec)
	s.sec, s.first = sec, len(s.entries)
	s.inSection = true
	s.cur = nil
}

// endSection gives the section being read its entries: the ones read
// since its header, which sit together at the end of s.entries. The
// slice's capacity ends with them, so that appending to it never writes
// over the next section's.
func (s *scanner) endSection() {
	if s.sec != nil && len(s.entries) > s.first {
		s.sec.Entries = s.entries[s.first:len(s.entries):len(s.entries)]
	}
}

// indexDelim returns the index of the first '=' or ':' in s, or -1.
func indexDelim(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '=' || s[i] == ':' {
			return i
		}
	}
	return -1
}

// nodes hands out the nodes of one type from blocks allocated a few
// at a time: the first of 8, each next one twice as large, up to 256.
// Small files (most have fewer than 100 entries) waste little, and
// large ones pay one allocation per 256 nodes. The nodes of a block are
// freed together, once the file is no longer used.
type nodes[T any] struct {
	block []T
	used  int // block[used:] is free
}

// take returns n consecutive free nodes, in a slice whose capacity ends
// with them, so that nothing appended to it can write over the nodes
// handed out next.
func (a *nodes[T]) take(n int) []T {
	if a.used+n > len(a.block) {
		a.block, a.used = make([]T, max(min(2*len(a.block), 256), 8, n)), 0
	}
	i := a.used
	a.used += n
	return a.block[i:a.used:a.used]
}

// grow extends s, the last nodes that take returned, by n nodes in
// place, and reports whether the block had room for them.
func (a *nodes[T]) grow(s []T, n int) ([]T, bool) {
	start := a.used - len(s)
	if len(s) == 0 || start < 0 || &a.block[start] != &s[0] || a.used+n > len(a.block) {
		return s, false
	}
	a.used += n
	return a.block[start:a.used:a.used], true
}

func (s *scanner) newEntry() *Entry     { return &s.entryNodes.take(1)[0] }
func (s *scanner) newSection() *Section { return &s.sectionNodes.take(1)[0] }
func (s *scanner) newComment() *Comment { return &s.commentNodes.take(1)[0] }

// newLine returns a slice of the one line l.
func (s *scanner) newLine(l Line) []Line {
	ls := s.lineNodes.take(1)
	ls[0] = l
	return ls
}

// appendLines appends the pending blank lines and l to ls, the lines of
// the value being read. Those were the last lines taken, so while their
// block has room they grow into it in place; past that they move to an
// array of their own, which doubles when full. (append grows a large
// slice by a quarter at a time, which for a value of 500,000 lines
// allocated five times its final size.)
func (s *scanner) appendLines(ls []Line, l Line) []Line {
	n, more := len(ls), len(s.pending)+1
	if grown, ok := s.lineNodes.grow(ls, more); ok {
		copy(grown[n:], s.pending)
		grown[len(grown)-1] = l
		return grown
	}
	if cap(ls)-n < more {
		grown := make([]Line, n, 2*(n+more))
		copy(grown, ls)
		ls = grown
	}
	ls = append(ls, s.pending...)
	return append(ls, l)
}

// advance returns the position of byte i of text, which starts at p.
func advance(p Pos, text string, i int) Pos {
	p.Offset += i
	if isASCII(text[:i]) {
		p.Column += i
	} else {
		p.Column += utf8.RuneCountInString(text[:i])
	}
	return p
}

// advanceIn is advance for text known to be ASCII when ascii is true.
func advanceIn(p Pos, text string, i int, ascii bool) Pos {
	if ascii {
		p.Offset += i
		p.Column += i
		return p
	}
	return advance(p, text, i)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
