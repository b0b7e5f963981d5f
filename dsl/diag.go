package dsl

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Severity says whether a diagnostic stops a file from loading.
type Severity int

const (
	SeverityError Severity = iota
	SeverityWarning
)

func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// Diagnostic is a problem found in a paste file, with the position it is
// about and, in Related, other positions that explain it (where a
// duplicate key was first given, say).
type Diagnostic struct {
	Severity Severity
	Pos      Pos
	Msg      string
	Related  []Related
}

// Related is a secondary position attached to a Diagnostic.
type Related struct {
	Pos Pos
	Msg string
}

// Error returns "file:line:col: message", the form editors and Go's own
// tools understand.
func (d *Diagnostic) Error() string {
	if d.Severity == SeverityWarning {
		return d.Pos.String() + ": warning: " + d.Msg
	}
	return d.Pos.String() + ": " + d.Msg
}

// Diagnostics is a list of diagnostics. As an error it prints one per
// line; use Err to get nil when it holds no errors.
type Diagnostics []*Diagnostic

func (ds Diagnostics) Error() string {
	var b strings.Builder
	for i, d := range ds {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.Error())
	}
	return b.String()
}

// Errorf adds an error at pos.
func (ds *Diagnostics) Errorf(pos Pos, format string, args ...any) *Diagnostic {
	d := &Diagnostic{Severity: SeverityError, Pos: pos, Msg: fmt.Sprintf(format, args...)}
	*ds = append(*ds, d)
	return d
}

// Warnf adds a warning at pos.
func (ds *Diagnostics) Warnf(pos Pos, format string, args ...any) *Diagnostic {
	d := &Diagnostic{Severity: SeverityWarning, Pos: pos, Msg: fmt.Sprintf(format, args...)}
	*ds = append(*ds, d)
	return d
}

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Err returns ds as an error when it holds at least one error, else nil.
func (ds Diagnostics) Err() error {
	if ds.HasErrors() {
		return ds
	}
	return nil
}

// Sort orders the diagnostics by position, keeping the order of those at
// the same place.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].Pos.Before(ds[j].Pos) })
}

// Write prints each diagnostic as "file:line:col: message", then the
// source line it points at with a caret under the column, the way the Go
// compiler and HCL show errors. Sources are looked up by file name among
// files; a position in a file not given prints without an excerpt.
func (ds Diagnostics) Write(w io.Writer, files ...*File) error {
	byName := make(map[string]*File, len(files))
	for _, f := range files {
		if f != nil {
			byName[f.Name] = f
		}
	}
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.Error())
		b.WriteByte('\n')
		writeExcerpt(&b, byName[d.Pos.Filename], d.Pos)
		for _, r := range d.Related {
			fmt.Fprintf(&b, "%s: note: %s\n", r.Pos, r.Msg)
			writeExcerpt(&b, byName[r.Pos.Filename], r.Pos)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeExcerpt writes the source line of pos and a caret under its
// column. The caret line copies the tabs of the source line so that the
// caret lines up however wide the reader's tabs are.
func writeExcerpt(b *strings.Builder, f *File, pos Pos) {
	text, ok := f.SourceLine(pos.Line)
	if !ok {
		return
	}
	gutter := fmt.Sprintf("%5d | ", pos.Line)
	b.WriteString(gutter)
	b.WriteString(text)
	b.WriteByte('\n')
	b.WriteString(strings.Repeat(" ", len(gutter)-2))
	b.WriteString("| ")
	col := 1
	for _, r := range text {
		if col >= pos.Column {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
		col++
	}
	b.WriteString("^\n")
}
