package dsl

import (
	"os"
	"sort"
	"unicode/utf8"
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
	f := &File{Name: filename, Sections: sc.sections, Comments: sc.comments, src: text, lines: sc.lineStarts}
	sc.ds.Sort()
	return f, sc.ds.Err()
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
