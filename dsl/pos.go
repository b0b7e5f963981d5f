package dsl

import "fmt"

// Pos is a position in a source file. Lines and columns count from 1;
// columns count characters (runes), so a tab is one column. A UTF-8 byte
// order mark at the start of a file is not counted: the first character
// after it is at column 1. Offset counts bytes from the start of the file
// as read, BOM included.
type Pos struct {
	Filename string
	Offset   int
	Line     int
	Column   int
}

// IsValid reports whether the position points into a file.
func (p Pos) IsValid() bool { return p.Line > 0 }

// String returns "file:line:col", "line:col" when there is no file name,
// and "-" for an invalid position, in the form Go's own tools print.
func (p Pos) String() string {
	switch {
	case !p.IsValid() && p.Filename == "":
		return "-"
	case !p.IsValid():
		return p.Filename
	case p.Filename == "":
		return fmt.Sprintf("%d:%d", p.Line, p.Column)
	}
	return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column)
}

// Before reports whether p comes before q in the same file; positions in
// different files order by file name, so that sorted lists group by file.
func (p Pos) Before(q Pos) bool {
	if p.Filename != q.Filename {
		return p.Filename < q.Filename
	}
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Column < q.Column
}
