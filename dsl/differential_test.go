package dsl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// pythonPath is Debian's interpreter: a python3 elsewhere on PATH may be
// another install.
const pythonPath = "/usr/bin/python3"

// TestDifferentialConfigparser parses every corpus file and a set of
// tricky inputs with Python's configparser (as PasteDeploy configures it)
// and with Parse, and requires the same sections, keys and values, or an
// error from both. pasteserve accepts a UTF-8 byte order mark where
// Python does not, so no input here starts with one.
func TestDifferentialConfigparser(t *testing.T) {
	if _, err := os.Stat(pythonPath); err != nil {
		t.Skipf("differential test needs %s: %v", pythonPath, err)
	}
	paths := corpusFiles(t)
	tmp := t.TempDir()
	for i, src := range trickyInputs {
		p := filepath.Join(tmp, "tricky"+string(rune('a'+i))+".ini")
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	out, err := exec.Command(pythonPath, append([]string{"testdata/configparser_dump.py"}, paths...)...).Output()
	if err != nil {
		t.Fatalf("configparser_dump.py: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for _, path := range paths {
		if !sc.Scan() {
			t.Fatalf("configparser_dump.py printed too few lines")
		}
		var py struct {
			Error    string
			Lines    []int
			Sections sections
		}
		if err := json.Unmarshal(sc.Bytes(), &py); err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(path, src)
			switch {
			case py.Error != "" && err == nil:
				t.Fatalf("Python: %s at lines %v; Parse accepted the file", py.Error, py.Lines)
			case py.Error == "" && err != nil:
				t.Fatalf("Python accepted the file; Parse: %v", err)
			case py.Error != "":
				// Python stops at some errors and collects others; each
				// line it names must be among the lines Parse names.
				lines := map[int]bool{}
				for _, d := range err.(Diagnostics) {
					lines[d.Pos.Line] = true
				}
				for _, l := range py.Lines {
					if !lines[l] {
						t.Errorf("Python: %s at line %d; Parse: %v", py.Error, l, err)
					}
				}
				return
			}
			if diff := cmp.Diff(py.Sections, values(f), cmp.Transformer("noEmptyDefault", func(s sections) sections {
				out := sections{}
				for k, v := range s {
					if k != DefaultSection || len(v) > 0 {
						out[k] = v
					}
				}
				return out
			})); diff != "" {
				t.Errorf("values differ (-python +pasteserve):\n%s", diff)
			}
		})
	}
}

var trickyInputs = []string{
	"[s]\na:b=c\n/x:y = a\n",
	"[s]\nk = \x1cv\u00a0\n\u3000k2 = x\n",
	"[s]\nk = a\n\n  b\n\n\n  # c\n  c\n\nj = 1\n",
	"[s]\nk =\n\n\n  a\n",
	"[s]\n  a = 1\n   b = 2\n  c = 3\n",
	"[s]\nk = v\n  [t]\n[u]\n",
	"[a]b] x\nk = v\n[x] y\n",
	"[s]\rk = a\r\n  b\r  c\n",
	"[s]\nfoo\n  bar\nk = 1\nk = 2\n",
	"[DEFAULT]\na = 1\n[DEFAULT]\nb = 2\n[s]\n",
	"[DEFAULT]\na = 1\n[DEFAULT]\na = 2\n",
	"k = v\n[s]\n",
	"[s]\n = v\n",
	"[s]\nk = \xff\n",
	"[]\n",
	"[s]\n\tk = 1\n\t\tj = 2\n    x = 3\n",
	"[s]\nkey with  spaces   :   v : w = x\n",
	"[s]\n[s]\n",
	"[s]\nk\x0bj = v\x0cw\n",
}
