package loader

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	dir := files(t, map[string]string{"api.ini": "[pipeline:main]\npipeline = t app\n[filter:t]\nuse = egg:pasteserve#tag\nname = x\n[app:app]\nuse = egg:pasteserve#echo-trace\n"})
	h, err := Load(filepath.Join(dir, "api.ini"), "main", nil, traceRegistry())
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := io.ReadAll(get(t, h, "/").Body); string(body) != "hi x" {
		t.Errorf("body %q", body)
	}
	if _, err := Load(filepath.Join(dir, "api.ini"), "nosuch", nil, traceRegistry()); err == nil || !strings.Contains(err.Error(), `no app named "nosuch"`) {
		t.Errorf("missing app: %v", err)
	}
}

// A Set reads and parses the paste file once: its server section, its
// apps and their check all resolve from that parse, whatever happens to
// the file afterwards; a file that cannot be read or parsed gives its
// error to every one of them, without being read again.
func TestSetReadsOnce(t *testing.T) {
	dir := files(t, map[string]string{"api.ini": "[server:main]\nuse = egg:pasteserve#http\nport = 8080\n" +
		"[pipeline:main]\npipeline = t app\n[filter:t]\nuse = egg:pasteserve#tag\nname = x\n[app:app]\nuse = egg:pasteserve#echo-trace\n"})
	path := filepath.Join(dir, "api.ini")
	s, err := Open(path)
	if err != nil || s.Err() != nil || s.File() == nil || len(s.File().Sections) != 4 || len(s.Files()) != 1 {
		t.Fatalf("Open: %v, %v", s, err)
	}
	if err := writeFile(path, "[broken\n"); err != nil {
		t.Fatal(err)
	}
	n, warnings, err := s.Server("main")
	if err != nil || n == nil || n.Local["port"] != "8080" || len(warnings) != 0 {
		t.Errorf("Server: %+v, %v, %v", n, warnings, err)
	}
	if n, _, err := s.Server("other"); n != nil || err != nil {
		t.Errorf("Server of a section the file does not have: %+v, %v; want nothing, no error", n, err)
	}
	reg := traceRegistry()
	if err := s.Check("main", nil, reg); err != nil {
		t.Errorf("Check: %v", err)
	}
	h, err := s.Build("main", nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := io.ReadAll(get(t, h, "/").Body); string(body) != "hi x" {
		t.Errorf("body %q", body)
	}

	// The file as it is now: broken, and broken once.
	s, err = Open(path)
	if err == nil || s.File() == nil || len(s.File().Sections) != 0 {
		t.Fatalf("Open of a broken file: %v, %+v", err, s.File())
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, berr := s.Build("main", nil, reg); berr == nil || berr.Error() != err.Error() {
		t.Errorf("Build of a Set that did not parse: %v, want %v", berr, err)
	}
	if cerr := s.Check("main", nil, reg); cerr == nil || cerr.Error() != err.Error() {
		t.Errorf("Check of a Set that did not parse: %v, want %v", cerr, err)
	}
	if s, err := Open(filepath.Join(dir, "nowhere.ini")); err == nil || s.File() != nil || !strings.Contains(err.Error(), "nowhere.ini: cannot read paste file") {
		t.Errorf("Open of a missing file: %v", err)
	}
}
