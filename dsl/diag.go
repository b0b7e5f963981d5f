package dsl

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/pasteserve/pasteserve/redact"
)

// Severity says whether a diagnostic stops a file from loading.
type Severity int

const (
	// SeverityError is a problem that stops the file from loading: the
	// load returns the diagnostics as its error (Diagnostics.Err).
	SeverityError Severity = iota
	// SeverityWarning is printed (by check, and by serve at start) but
	// does not stop the load: something PasteDeploy accepts that is
	// likely a mistake, or a deprecated option name.
	SeverityWarning
)

// String returns "error" or "warning", the word Diagnostic.Error and
// the check command print.
func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// Diagnostic is a problem found in a paste file, with the position it is
// about and, in Related, other positions that explain it (where a
// duplicate key was first given, say).
//
// Err, when set, is what went wrong as a value callers can test with
// errors.Is and errors.As (through a Diagnostics too), so that no caller
// needs to read Msg to learn it; Msg stays the message for people.
type Diagnostic struct {
	Severity Severity
	Pos      Pos
	Msg      string
	Related  []Related
	Err      error
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

// Unwrap returns d.Err.
func (d *Diagnostic) Unwrap() error { return d.Err }

// Diagnostics is a list of diagnostics. As an error it prints one per
// line; use Err to get nil when it holds no errors.
type Diagnostics []*Diagnostic

// Unwrap returns the diagnostics, for errors.Is and errors.As.
func (ds Diagnostics) Unwrap() []error {
	out := make([]error, 0, len(ds))
	for _, d := range ds {
		if d != nil {
			out = append(out, d)
		}
	}
	return out
}

// Error returns the diagnostics one a line, each as Diagnostic.Error
// prints it, with no source excerpts (Write adds those).
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
	// Each file's secret values, gathered once per file quoted: a
	// password may also be written under a key that is no secret (by
	// mistake, or interpolated), and the excerpt of that line must not
	// print it.
	secrets := map[*File]redact.Secrets{}
	secretsOf := func(f *File) redact.Secrets {
		if f == nil {
			return redact.Secrets{}
		}
		s, ok := secrets[f]
		if !ok {
			s = f.secrets()
			secrets[f] = s
		}
		return s
	}
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.Error())
		b.WriteByte('\n')
		f := byName[d.Pos.Filename]
		writeExcerpt(&b, f, d.Pos, secretsOf(f))
		for _, r := range d.Related {
			fmt.Fprintf(&b, "%s: note: %s\n", r.Pos, r.Msg)
			f := byName[r.Pos.Filename]
			writeExcerpt(&b, f, r.Pos, secretsOf(f))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeExcerpt writes the source line of pos and a caret under its
// column. The caret line copies the tabs of the source line so that the
// caret lines up however wide the reader's tabs are. The line is quoted
// with secrets masked (see excerptLine): diagnostics end up in CI logs
// and service logs.
func writeExcerpt(b *strings.Builder, f *File, pos Pos, secrets redact.Secrets) {
	text, ok := f.SourceLine(pos.Line)
	if !ok {
		return
	}
	text, column := f.excerptLine(text, pos, secrets)
	gutter := fmt.Sprintf("%5d | ", pos.Line)
	b.WriteString(gutter)
	b.WriteString(text)
	b.WriteByte('\n')
	b.WriteString(strings.Repeat(" ", len(gutter)-2))
	b.WriteString("| ")
	col := 1
	for _, r := range text {
		if col >= column {
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

// excerptLine returns line pos.Line, whose text is text, as a diagnostic
// quotes it, and the column of the caret in what it returns. On a line
// of a value that its key masks (redact.Value: the value of a secret key,
// the password of a tempauth user), the value is replaced by what
// redact.Value prints and a caret inside it points at its start; other
// lines go through secrets.Text, which masks URL passwords and every
// secret value of the file wherever it appears.
func (f *File) excerptLine(text string, pos Pos, secrets redact.Secrets) (string, int) {
	if start, value := f.maskedValue(pos.Line, text); start >= 0 {
		column := pos.Column
		if maskCol := utf8.RuneCountInString(text[:start]) + 1; column > maskCol {
			column = maskCol
		}
		return text[:start] + value, column
	}
	masked := secrets.Text(text)
	if masked == text {
		return text, pos.Column
	}
	// The caret keeps its place in the text before it, masked alike. The
	// runes are counted as the loop goes: counting text[:i] for each i
	// would be quadratic in the column.
	before, col := len(text), 1
	for i := range text {
		if col >= pos.Column {
			before = i
			break
		}
		col++
	}
	return masked, utf8.RuneCountInString(secrets.Text(text[:before])) + 1
}

// secrets gathers the secret values of every section of the file, as
// redact.Collect finds them.
func (f *File) secrets() redact.Secrets {
	var maps []map[string]string
	for _, s := range f.Sections {
		m := make(map[string]string, len(s.Entries))
		for _, e := range s.Entries {
			m[e.Key] = e.Value
		}
		maps = append(maps, m)
	}
	return redact.Collect(maps...)
}

// maskedValue returns the byte index in line n (whose text is text) at
// which a value its key masks starts, and what to print from there; -1
// when the line has no such value. Entries the parser read say which key
// a continuation line belongs to; text after a section header's ']', and
// a line the parser did not read as an entry (after a syntax error), are
// split at their first '=' or ':' as configparser splits a line. So is a
// continuation line of a value that is no secret: "  admin_password = pw"
// indented under "use = ..." is part of use's value for configparser, but
// its writer meant a key, and a diagnostic about it (pasteserve check
// says to unindent it) must not quote the password.
func (f *File) maskedValue(n int, text string) (int, string) {
	for _, s := range f.Sections {
		if n < s.Pos.Line || (s.End.IsValid() && n > s.End.Line) {
			continue
		}
		if n == s.Pos.Line && s.Trailing != "" {
			if i := strings.LastIndex(text, s.Trailing); i >= 0 {
				if start, v := redact.LineValue(s.Trailing); start >= 0 {
					return i + start, v
				}
			}
			return -1, ""
		}
		for _, e := range s.Entries {
			for k, l := range e.Lines {
				if l.Pos.Line != n {
					continue
				}
				if l.Text == "" || n > len(f.lines) {
					return -1, ""
				}
				i := l.Pos.Offset - f.lines[n-1]
				if i < 0 || i > len(text) {
					return -1, ""
				}
				if redact.Secret(e.Key, e.Value) {
					return i, redact.Mask
				}
				if k > 0 {
					if start, v := redact.LineValue(l.Text); start >= 0 {
						return i + start, v
					}
					return -1, ""
				}
				// Only the first line's value can be masked in part (a
				// tempauth user's password comes first).
				if v := redact.Value(e.Key, text[i:]); v != redact.Text(text[i:]) {
					return i, v
				}
				return -1, ""
			}
		}
	}
	if text == "" || strings.IndexByte(" \t[#;", text[0]) >= 0 {
		return -1, ""
	}
	return redact.LineValue(text)
}
