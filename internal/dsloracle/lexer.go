package dsloracle

import (
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/pasteserve/pasteserve/dsl"
)

// This file is dsl/lexer.go as of 5f159b2^, with dsl's types qualified
// and its space helpers copied below, so that the reference shares no
// code with the parser it checks.

// The token types of a paste file. The lexer works line by line, the way
// Python's configparser reads, because whether a line continues a value
// depends on the indentation of the key line above it: no regular
// expression can tell that alone.
const (
	tokHeader lexer.TokenType = iota + 1 // a section header line: "[name]" and any text after the last ']'
	tokItem                              // any other line that is not a comment or a continuation
)

// Each token is a line: the grammar sees only headers and items. Whether
// an item is an entry (it has a delimiter) or junk, how an entry splits
// into key and value, and which lines continue it are fixed rules the
// scanner applies as it goes; continuation lines are folded into their
// entry and comments go straight to File.Comments.
var tokenNames = map[string]lexer.TokenType{
	"EOF":    lexer.EOF,
	"Header": tokHeader,
	"Item":   tokItem,
}

// refLexerDefinition is the participle lexer.Definition for paste files.
// It holds its symbol table rather than reading the package variable so
// that package initialisation builds the table before the grammar asks
// for it.
type refLexerDefinition struct{ symbols map[string]lexer.TokenType }

var _ lexer.BytesDefinition = refLexerDefinition{}

func (d refLexerDefinition) Symbols() map[string]lexer.TokenType { return d.symbols }

func (d refLexerDefinition) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return d.LexBytes(filename, data)
}

func (refLexerDefinition) LexBytes(filename string, data []byte) (lexer.Lexer, error) {
	return &sliceLexer{toks: refScan(filename, string(data)).toks}, nil
}

// sliceLexer hands out tokens that refScan produced in one pass.
type sliceLexer struct {
	toks []lexer.Token
	i    int
}

func (l *sliceLexer) Next() (lexer.Token, error) {
	if l.i >= len(l.toks) {
		return lexer.EOFToken(lexer.Position{}), nil
	}
	t := l.toks[l.i]
	l.i++
	return t, nil
}

const bom = "\uFEFF"

// refScan reads src line by line following configparser's rules (see
// docs/dsl.md): full-line comments even when indented; a line indented
// deeper than the last key or header line continues the current value;
// blank lines inside a value are kept only when a continuation line
// follows them; lines end at "\n", "\r\n" or a lone "\r".
func refScan(filename, src string) *refScanner {
	s := &refScanner{filename: filename, src: src}
	lines := strings.Count(src, "\n") + 1
	s.toks = make([]lexer.Token, 0, lines/2+2)
	s.lineStarts = make([]int, 0, lines)
	s.run()
	return s
}

// refScanner holds what refScan found: the tokens for participle (the
// last is EOF), and, in file order, the entries behind the Item tokens
// that have a delimiter, the comments, and the byte offset at which each
// line starts.
type refScanner struct {
	filename   string
	src        string
	toks       []lexer.Token
	entries    []*dsl.Entry
	comments   []*dsl.Comment
	lineStarts []int

	inSection   bool       // a header has been seen (configparser's cursect)
	cur         *dsl.Entry // the entry that may still take continuation lines (optname)
	indentLevel int        // indentation, in characters, of the last key or header line
	pending     []dsl.Line // blank lines after cur, kept if a continuation line follows
}

func (s *refScanner) run() {
	off := 0
	if strings.HasPrefix(s.src, bom) {
		off = len(bom)
	}
	line := 1
	for off < len(s.src) {
		end := strings.IndexAny(s.src[off:], "\r\n")
		next := len(s.src)
		if end < 0 {
			end = len(s.src)
		} else {
			end += off
			next = end + 1
			if s.src[end] == '\r' && next < len(s.src) && s.src[next] == '\n' {
				next++
			}
		}
		s.lineStarts = append(s.lineStarts, off)
		s.line(s.src[off:end], dsl.Pos{Filename: s.filename, Offset: off, Line: line, Column: 1})
		off = next
		line++
	}
	eof := lexer.Position{Filename: s.filename, Offset: len(s.src), Line: line, Column: 1}
	if n := len(s.lineStarts); n > 0 && !strings.HasSuffix(s.src, "\n") && !strings.HasSuffix(s.src, "\r") {
		// No final newline: EOF sits at the end of the last line.
		eof.Line, eof.Column = n, utf8.RuneCountInString(s.src[s.lineStarts[n-1]:])+1
	}
	s.toks = append(s.toks, lexer.EOFToken(eof))
	for _, e := range s.entries {
		if len(e.Lines) > 1 {
			e.Value = joinLines(e.Lines)
		}
	}
}

// joinLines joins the text of lines with "\n", as configparser joins a
// value's lines.
func joinLines(lines []dsl.Line) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l.Text)
	}
	return b.String()
}

func (s *refScanner) emit(t lexer.TokenType, value string, p dsl.Pos) {
	s.toks = append(s.toks, lexer.Token{Type: t, Value: value, Pos: lexer.Position{
		Filename: p.Filename, Offset: p.Offset, Line: p.Line, Column: p.Column,
	}})
}

func (s *refScanner) line(text string, start dsl.Pos) {
	lead, indent := leadingSpace(text)
	body := trimRightSpace(text[lead:])
	at := advance(start, text, lead)
	switch {
	case body == "":
		if s.inSection && s.cur != nil {
			s.pending = append(s.pending, dsl.Line{Pos: at})
		}
		return
	case body[0] == '#' || body[0] == ';':
		s.comments = append(s.comments, &dsl.Comment{Text: body, Pos: at})
		return
	case s.inSection && s.cur != nil && s.cur.Key != "" && indent > s.indentLevel:
		e := s.cur
		e.Lines = append(e.Lines, s.pending...)
		e.Lines = append(e.Lines, dsl.Line{Text: body, Pos: at})
		e.End = advance(at, body, len(body))
		s.pending = s.pending[:0]
		return
	}
	s.pending = s.pending[:0]
	s.indentLevel = indent

	if rb := strings.LastIndexByte(body, ']'); body[0] == '[' && rb >= 2 {
		s.emit(tokHeader, body, at)
		s.inSection = true
		s.cur = nil
		return
	}
	d := strings.IndexAny(body, "=:")
	if d < 0 {
		// configparser records the error and reads on; the value that
		// was open stays open.
		s.emit(tokItem, body, at)
		return
	}
	// Split at the first delimiter, as configparser does: "a:b=c" is key
	// "a", value "b=c".
	n, _ := leadingSpace(body[d+1:])
	value := body[d+1+n:]
	e := &dsl.Entry{
		Key:    trimRightSpace(body[:d]),
		KeyPos: at,
		Delim:  body[d],
		Value:  value,
		End:    advance(at, body, len(body)),
	}
	e.Lines = []dsl.Line{{Text: value, Pos: advance(at, body, d+1+n)}}
	s.entries = append(s.entries, e)
	s.cur = e
	s.emit(tokItem, body, at)
}

// advance returns the position of byte i of text, which starts at p.
// Columns count runes, always: the reference takes no ASCII shortcut.
func advance(p dsl.Pos, text string, i int) dsl.Pos {
	p.Offset += i
	p.Column += utf8.RuneCountInString(text[:i])
	return p
}

// isSpace reports whether r is white space as Python's str.isspace sees
// it: Unicode's White_Space plus the four ASCII separators U+001C to
// U+001F, the set configparser strips with.
func isSpace(r rune) bool {
	if r >= 0x1c && r <= 0x1f {
		return true
	}
	return unicode.IsSpace(r)
}

func trimRightSpace(s string) string { return strings.TrimRightFunc(s, isSpace) }

// leadingSpace returns the number of bytes and of characters of white
// space at the start of s.
func leadingSpace(s string) (nbytes, nchars int) {
	for i, r := range s {
		if !isSpace(r) {
			return i, nchars
		}
		nchars++
	}
	return len(s), nchars
}
