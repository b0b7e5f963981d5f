package dsloracle_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/internal/dsloracle"
)

// moduleRoot is the module's directory, from this package's.
const moduleRoot = "../.."

// compare parses src with dsl.Parse and with the reference parser and
// returns what differs, or "" when nothing does: the AST's exported
// fields (nil and empty slices told apart), each source line, whether
// Parse failed, and every diagnostic (severity, position, message,
// related notes, cause) in order.
func compare(src []byte) string {
	const name = "oracle.ini"
	want := dsloracle.Parse(name, src)
	got, err := dsl.Parse(name, src)
	var b strings.Builder
	if got == nil {
		return "dsl.Parse returned a nil *File"
	}
	if !same(want.File, got) {
		fmt.Fprintf(&b, "AST differs (-reference +dsl):\n%s", cmp.Diff(want.File, got, cmpopts.IgnoreUnexported(dsl.File{})))
	}
	text := string(src)
	for n := -1; n <= len(want.LineStarts)+1; n++ {
		wl, wok := want.SourceLine(text, n)
		gl, gok := got.SourceLine(n)
		if wl != gl || wok != gok {
			fmt.Fprintf(&b, "SourceLine(%d) = %q, %v; reference %q, %v\n", n, gl, gok, wl, wok)
		}
	}
	if (err == nil) != (want.Err() == nil) {
		fmt.Fprintf(&b, "dsl.Parse error: %v; reference: %v\n", err, want.Err())
	}
	var ds dsl.Diagnostics
	if err != nil {
		var ok bool
		if ds, ok = err.(dsl.Diagnostics); !ok {
			fmt.Fprintf(&b, "dsl.Parse error is %T, want dsl.Diagnostics\n", err)
		}
	}
	if w, g := plain(want.Diagnostics), plain(ds); !same(w, g) {
		fmt.Fprintf(&b, "diagnostics differ (-reference +dsl):\n%s", cmp.Diff(w, g))
	}
	return b.String()
}

// same reports whether a and b have the same exported fields, nil and
// empty slices told apart (JSON's null and []). It is the fast check;
// cmp.Diff, which is slower by far on a file of thousands of lines, only
// says what differs once something does.
func same(a, b any) bool {
	ja, err := json.Marshal(a)
	if err != nil {
		panic(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		panic(err)
	}
	return bytes.Equal(ja, jb)
}

// diagnostic is a dsl.Diagnostic with its cause as its type and text,
// so that two lists compare by value.
type diagnostic struct {
	Severity dsl.Severity
	Pos      dsl.Pos
	Msg      string
	Related  []dsl.Related
	Err      string
}

func plain(ds dsl.Diagnostics) []diagnostic {
	var out []diagnostic
	for _, d := range ds {
		p := diagnostic{Severity: d.Severity, Pos: d.Pos, Msg: d.Msg, Related: d.Related}
		if d.Err != nil {
			p.Err = fmt.Sprintf("%T: %v", d.Err, d.Err)
		}
		out = append(out, p)
	}
	return out
}

// testInputs returns every file under every testdata directory of the
// module (the corpus in testdata/paste, its goldens, dsl's and loader's
// testdata, the spec files) and every value in the fuzz corpora under
// them, decoded, keyed by a name for the failure message. New test files
// join without a change here.
func testInputs(t testing.TB) map[string][]byte {
	t.Helper()
	inputs := map[string][]byte{}
	err := filepath.WalkDir(moduleRoot, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != moduleRoot && (strings.HasPrefix(name, ".") || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.Contains(filepath.ToSlash(path), "/testdata/") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		inputs[path] = src
		if strings.Contains(filepath.ToSlash(path), "/testdata/fuzz/") {
			for i, v := range fuzzValues(t, path, src) {
				inputs[fmt.Sprintf("%s value %d", path, i)] = v
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return inputs
}

// fuzzValues decodes the []byte and string values of a corpus file in
// go test's "go test fuzz v1" format; other values are skipped.
func fuzzValues(t testing.TB, path string, src []byte) [][]byte {
	lines := strings.Split(string(src), "\n")
	if len(lines) == 0 || lines[0] != "go test fuzz v1" {
		return nil
	}
	var out [][]byte
	for _, l := range lines[1:] {
		lit, ok := strings.CutPrefix(l, "[]byte(")
		if !ok {
			lit, ok = strings.CutPrefix(l, "string(")
		}
		if !ok {
			continue
		}
		v, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
		if err != nil {
			t.Fatalf("%s: %q: %v", path, l, err)
		}
		out = append(out, []byte(v))
	}
	return out
}

// TestOracleTestdata compares the parsers on every test file of the
// module. The corpus is the one kept in testdata/paste/corpus, so that
// the test needs nothing outside the module.
func TestOracleTestdata(t *testing.T) {
	inputs := testInputs(t)
	var corpus, fuzz int
	for name, src := range inputs {
		if strings.Contains(name, "/testdata/paste/corpus/") && !strings.HasSuffix(name, ".golden") {
			corpus++
		}
		if strings.Contains(name, " value ") {
			fuzz++
		}
		if d := compare(src); d != "" {
			t.Errorf("%s: the parsers differ on %q:\n%s", name, clip(src), d)
		}
	}
	// A walk that silently found nothing would pass; the corpus alone
	// has 64 paste files.
	if corpus < 60 || fuzz < 2 {
		t.Fatalf("found %d corpus files and %d fuzz corpus values among %d inputs, want at least 60 and 2", corpus, fuzz, len(inputs))
	}
	t.Logf("%d inputs (%d corpus files, %d fuzz corpus values) parse alike", len(inputs), corpus, fuzz)
}

// frags are the pieces random inputs are made of: every character class
// the scanner tells apart (brackets, delimiters, comment markers, ASCII,
// Latin-1 and ideographic space, the separators Python strips, a BOM, an
// invalid byte, each line ending) and some whole lines.
var frags = []string{"[", "]", "=", ":", " ", "  ", "\t", "\r", "\n", "\n", "\n", "\r\n", "#", ";", "a", "b", "k", "é", "\u00a0", "\x1c", "\uFEFF", "\u3000",
	"DEFAULT", "[DEFAULT]\n", "[s]\n", "[t]", "k = v\n", "  x\n", "\n  y\n", "key", "\xff", "[a]b]", "pipeline =\n  a\n  b\n", "= v\n", "x:y", "k = v\n  [t]\n"}

var lines = []string{"[s]", "[t]", "[DEFAULT]", "[u] x", " = x", "junk", "  cont", "", "# c", "\tk1 = y", "  é = ü", "[s] é"}

// randomInput returns one of three kinds of input: fragments at random,
// lines with keys that repeat (duplicates past the scanner's first 8
// entries of a section), or long values with blank lines (continuations
// that grow past a block of 256 lines).
func randomInput(r *rand.Rand) []byte {
	var b strings.Builder
	switch r.IntN(10) {
	case 0:
		for n := r.IntN(200); n > 0; n-- {
			switch r.IntN(10) {
			case 0:
				fmt.Fprintf(&b, "[s%d]\n", r.IntN(5))
			case 1, 2:
				fmt.Fprintf(&b, "k%d = v\n", r.IntN(30))
			case 3:
				b.WriteString("\n")
			case 4:
				b.WriteString("# c\n")
			default:
				for m := r.IntN(90); m > 0; m-- {
					if r.IntN(5) == 0 {
						b.WriteString("\n")
					} else {
						fmt.Fprintf(&b, "  line%d\n", m)
					}
				}
			}
		}
	case 1, 2, 3, 4:
		for n := r.IntN(60); n > 0; n-- {
			if r.IntN(2) == 0 {
				fmt.Fprintf(&b, "k%d = v%d\n", r.IntN(14), n)
			} else {
				b.WriteString(lines[r.IntN(len(lines))] + "\n")
			}
		}
	default:
		for n := r.IntN(40); n > 0; n-- {
			b.WriteString(frags[r.IntN(len(frags))])
		}
	}
	return []byte(b.String())
}

// TestOracleRandom compares the parsers on random inputs from a fixed
// seed, so that a failure reproduces.
func TestOracleRandom(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	r := rand.New(rand.NewPCG(1, 2))
	fails := 0
	for i := range n {
		src := randomInput(r)
		if d := compare(src); d != "" {
			t.Errorf("random input %d: the parsers differ on %q:\n%s", i, clip(src), d)
			if fails++; fails == 5 {
				t.Fatal("stopping after 5 differences")
			}
		}
	}
}

// FuzzOracle looks for an input on which dsl.Parse and the reference
// parser differ, starting from every test file of the module.
func FuzzOracle(f *testing.F) {
	for _, src := range testInputs(f) {
		f.Add(src)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		f.Add(randomInput(r))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if d := compare(src); d != "" {
			t.Fatalf("the parsers differ on %q:\n%s", clip(src), d)
		}
	})
}

// clip shortens a long input for a failure message.
func clip(src []byte) string {
	if len(src) > 300 {
		return string(src[:300]) + "..."
	}
	return string(src)
}
