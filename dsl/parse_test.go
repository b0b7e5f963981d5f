package dsl

import (
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// values flattens a parsed file into header -> key -> value, with
// repeated [DEFAULT] sections merged, which is what configparser exposes.
func values(f *File) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, s := range f.Sections {
		m := out[s.Header]
		if m == nil {
			m = map[string]string{}
			out[s.Header] = m
		}
		for _, e := range s.Entries {
			m[e.Key] = e.Value
		}
	}
	return out
}

type sections = map[string]map[string]string

// TestSyntax covers spec §1, checklist items 17-26: each case names the
// item it checks. Expected values were read off Python 3.11's
// configparser as PasteDeploy sets it up.
func TestSyntax(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want sections
	}{
		{"17 equals and colon", "[s]\na = 1\nb: 2\n", sections{"s": {"a": "1", "b": "2"}}},
		{"17 first delimiter wins", "[s]\na:b=c\n/x:y = a\nhttp://h/p = a\n", sections{"s": {"a": "b=c", "/x": "y = a", "http": "//h/p = a"}}},
		{"18 stripped", "[s]\n  key   =   value   \nuse=egg:x\n", sections{"s": {"key": "value", "use": "egg:x"}}},
		{"18 empty value", "[s]\nk =\nj:\n", sections{"s": {"k": "", "j": ""}}},
		{"18 python white space", "[s]\nk = \x1cv\u00a0\n", sections{"s": {"k": "v"}}},
		{"19 full-line comments", "[s]\n# c\n; c\n   # indented\na = 1\n", sections{"s": {"a": "1"}}},
		{"19 no inline comments", "[s]\na = v # x\nb = v ; x\nc = #x\nuse = egg:swift#proxy\n", sections{"s": {"a": "v # x", "b": "v ; x", "c": "#x", "use": "egg:swift#proxy"}}},
		{"20 continuation", "[s]\nk = one\n  two\n\tthree\n", sections{"s": {"k": "one\ntwo\nthree"}}},
		{"20 indented key is continuation", "[s]\na = 1\n  g = h\n", sections{"s": {"a": "1\ng = h"}}},
		{"20 same indent keys are separate", "[s]\n  a = 1\n  b = 2\n", sections{"s": {"a": "1", "b": "2"}}},
		{"20 indented header is continuation", "[s]\nk = v\n  [t]\nx = 1\n", sections{"s": {"k": "v\n[t]", "x": "1"}}},
		{"21 blank lines inside kept", "[s]\nk = a\n\n  b\n\n\nj = 1\n", sections{"s": {"k": "a\n\nb", "j": "1"}}},
		{"21 empty first line", "[s]\npipeline =\n  f\n  app\n", sections{"s": {"pipeline": "\nf\napp"}}},
		{"21 blank after empty first line", "[s]\nk =\n\n  a\n", sections{"s": {"k": "\n\na"}}},
		{"21 trailing blank lines dropped", "[s]\nk = a\n  b\n\n\n", sections{"s": {"k": "a\nb"}}},
		{"22 comment inside continuation", "[s]\nk = a\n  # c\n; d\n  b\n", sections{"s": {"k": "a\nb"}}},
		{"24 repeated DEFAULT merges", "[DEFAULT]\na = 1\n[s]\n[DEFAULT]\nb = 2\n", sections{"DEFAULT": {"a": "1", "b": "2"}, "s": {}}},
		{"25 case kept", "[s]\nKey = 1\nkey = 2\n[S]\n", sections{"s": {"Key": "1", "key": "2"}, "S": {}}},
		{"25 lower-case default is ordinary", "[default]\na = 1\n", sections{"default": {"a": "1"}}},
		{"26 CRLF", "[s]\r\nk = a\r\n  b\r\n", sections{"s": {"k": "a\nb"}}},
		{"26 lone CR ends a line", "[s]\rk = a\r  b\r", sections{"s": {"k": "a\nb"}}},
		{"26 BOM accepted", "\uFEFF[s]\nk = v\n", sections{"s": {"k": "v"}}},
		{"header takes the last bracket", "[a]b] x\nk = v\n", sections{"a]b": {"k": "v"}}},
		{"header spaces kept", "[app: main ]\n[app : x]\n", sections{"app: main ": {}, "app : x": {}}},
		{"no final newline", "[s]\nk = v", sections{"s": {"k": "v"}}},
		{"empty file", "", sections{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("t.ini", []byte(tt.src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, values(f)); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSyntaxErrors covers the rejecting rows of spec §1 (items 23 and 24)
// and checks that every error carries a position and all of them are
// reported, not just the first.
func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"23 no delimiter", "[s]\na = 1\njust_a_word\n", []string{"t.ini:3:1: line has no '=' or ':'"}},
		{"23 every bad line", "[s]\nfoo\n  bar = 1\nbaz\n", []string{"t.ini:2:1: line has no", "t.ini:4:1: line has no"}},
		{"23 key before any section", "a = 1\n[s]\n", []string{`t.ini:1:1: key "a" comes before any section header`}},
		{"23 text before any section", "  hello\n", []string{"t.ini:1:3: text before any section header"}},
		{"23 empty key", "[s]\n = v\n", []string{"t.ini:2:2: entry has no key before '='"}},
		{"24 duplicate key", "[app:main]\na = 1\nb = 2\na = 3\n", []string{`t.ini:4:1: key "a" is given twice in [app:main]`}},
		{"24 duplicate section", "[app:main]\n[app:main]\n", []string{"t.ini:2:2: section [app:main] is defined twice"}},
		{"24 key twice across DEFAULTs", "[DEFAULT]\na = 1\n[DEFAULT]\na = 2\n", []string{`t.ini:4:1: key "a" is given twice in [DEFAULT]`}},
		{"26 invalid UTF-8", "[s]\nk = \xff\n", []string{"t.ini:2:5: the file is not valid UTF-8 (byte 0xff)"}},
		{"empty brackets are not a header", "[s]\n[]\n", []string{"t.ini:2:1: line has no"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.ini", []byte(tt.src))
			ds, ok := err.(Diagnostics)
			if !ok {
				t.Fatalf("Parse error = %v, want Diagnostics", err)
			}
			if len(ds) != len(tt.want) {
				t.Fatalf("got %d diagnostics, want %d:\n%v", len(ds), len(tt.want), ds)
			}
			for i, d := range ds {
				if !strings.HasPrefix(d.Error(), tt.want[i]) {
					t.Errorf("diagnostic %d = %q, want prefix %q", i, d.Error(), tt.want[i])
				}
			}
		})
	}
}

// TestA01 is the a01 example of spec §10, parsed as PasteDeploy reads it
// (interpolation comes later, in the loader: pct stays "100%%").
func TestA01(t *testing.T) {
	src := "[DEFAULT]\ndkey = dval\n[app:main]\nuse = egg:ProbeApp#app\n" +
		"inline_hash = value # not a comment\ninline_semi = value ; not a comment\n" +
		"colon_key: colon value\nMixed_Case = KeepCase\nkey with spaces = v\n" +
		"multi = line one\n   line two\n\tline three (tab)\n\n   line four after blank\n" +
		"# comment inside continuation?\n   line five\ntrail = x   \nempty =\npct = 100%%\n" +
		"self_ref = %(colon_key)s!\n"
	f, err := Parse("a01.ini", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := sections{
		"DEFAULT": {"dkey": "dval"},
		"app:main": {
			"use": "egg:ProbeApp#app", "inline_hash": "value # not a comment",
			"inline_semi": "value ; not a comment", "colon_key": "colon value",
			"Mixed_Case": "KeepCase", "key with spaces": "v",
			"multi": "line one\nline two\nline three (tab)\n\nline four after blank\nline five",
			"trail": "x", "empty": "", "pct": "100%%", "self_ref": "%(colon_key)s!",
		},
	}
	if diff := cmp.Diff(want, values(f)); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	multi := f.Section("app:main").Entry("multi")
	wantLines := []string{"10:9 line one", "11:4 line two", "12:2 line three (tab)", "13:1 ", "14:4 line four after blank", "16:4 line five"}
	var gotLines []string
	for _, l := range multi.Lines {
		gotLines = append(gotLines, lc(l.Pos)+" "+l.Text)
	}
	if diff := cmp.Diff(wantLines, gotLines); diff != "" {
		t.Errorf("line positions (-want +got):\n%s", diff)
	}
	if got := lc(multi.ValuePos(strings.Index(multi.Value, "five"))); got != "16:9" {
		t.Errorf("ValuePos(five) = %s, want 16:9", got)
	}
	if len(f.Comments) != 1 || lc(f.Comments[0].Pos) != "15:1" {
		t.Errorf("comments = %v, want one at 15:1", f.Comments)
	}
}

func TestPositions(t *testing.T) {
	src := "\uFEFF[app:main]\n  use = egg:X\n[filter: f ] tail\nk = é=x\n"
	f, err := Parse("p.ini", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	s := f.Sections[0]
	if got := s.Pos.String(); got != "p.ini:1:1" {
		t.Errorf("first header at %s, want p.ini:1:1 (the BOM takes no column)", got)
	}
	if s.Pos.Offset != 3 {
		t.Errorf("first header offset = %d, want 3 (after the BOM)", s.Pos.Offset)
	}
	if got := lc(s.Entries[0].KeyPos); got != "2:3" {
		t.Errorf("use at %s, want 2:3", got)
	}
	f2 := f.Sections[1]
	if name, _ := f2.Name(); name != "f" || f2.Kind() != "filter" || f2.Trailing != "tail" {
		t.Errorf("kind/name/trailing = %q/%q/%q", f2.Kind(), name, f2.Trailing)
	}
	e := f2.Entries[0]
	if got := lc(e.ValuePos(2)); got != "4:6" { // the "=" after é, counted in characters
		t.Errorf("ValuePos = %s, want 4:6", got)
	}
	if got := lc(e.End); got != "4:8" {
		t.Errorf("entry end = %s, want 4:8", got)
	}
}

func TestDiagnosticExcerpt(t *testing.T) {
	src := "[app:main]\n\tuse = egg:X\n\tbroken line\n"
	f, err := Parse("x.ini", []byte(src))
	var b strings.Builder
	if err := err.(Diagnostics).Write(&b, f); err != nil {
		t.Fatal(err)
	}
	want := "x.ini:3:2: line has no '=' or ':'; write key = value, or start a comment with '#' or ';'\n" +
		"    3 | \tbroken line\n" +
		"      | \t^\n"
	if b.String() != want {
		t.Errorf("excerpt:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestParseLinearInValueLines guards against a return to quadratic cost in
// the length of a multi-line value without timing anything: the bytes
// Parse allocates for a value of 8n lines must stay within a linear
// bound of those for n lines. Building the value by appending each line
// allocates about 64 times as much at 8 times the size.
func TestParseLinearInValueLines(t *testing.T) {
	allocated := func(n int) uint64 {
		src := continued(n)
		best := ^uint64(0)
		for range 3 {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			f, err := Parse("cont.ini", src)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Count(f.Sections[0].Entry("k").Value, "\n"); got != n {
				t.Fatalf("value has %d continuation lines, want %d", got, n)
			}
			best = min(best, after.TotalAlloc-before.TotalAlloc)
		}
		return best
	}
	small, large := allocated(2_000), allocated(16_000)
	// Slices that double as they grow make a linear ratio vary between
	// about 4 and 16; quadratic growth gives about 64.
	if ratio := float64(large) / float64(small); ratio > 24 {
		t.Errorf("Parse allocated %d bytes for 2,000 value lines and %d for 16,000: %.1f times as much for 8 times the lines; the cost is not linear", small, large, ratio)
	} else {
		t.Logf("%d bytes for 2,000 lines, %d for 16,000 (ratio %.1f)", small, large, ratio)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"max_header_lin", "max_header_line", 1}, {"versoins", "versions", 2},
		{"kitten", "sitting", 3}, {"abc", "", 3}, {"", "abc", 3},
	} {
		if got := EditDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestParseAllocatesLittlePerSection keeps the parse of a large file
// cheap without timing anything: the generated file of 1,000 sections
// (each a header, two entries, one with a continuation line) must cost
// at most two allocations per section. Nodes come from blocks, and a
// multi-line value costs the one string it is joined into. Handing each
// line to participle as a token cost 35 per section, and most of the
// parse's time.
func TestParseAllocatesLittlePerSection(t *testing.T) {
	const n = 1_000
	src := generated(n)
	allocs := testing.AllocsPerRun(5, func() {
		if _, err := Parse("gen.ini", src); err != nil {
			t.Fatal(err)
		}
	})
	if perSection := allocs / n; perSection > 2 {
		t.Errorf("Parse made %.0f allocations for %d sections: %.1f per section, want at most 2", allocs, n, perSection)
	} else {
		t.Logf("%.0f allocations for %d sections (%.2f per section)", allocs, n, perSection)
	}
}
