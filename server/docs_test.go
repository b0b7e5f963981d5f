package server

import (
	"os"
	"strings"
	"testing"
)

// TestEveryOptionDocumented keeps docs/server.md complete: each option
// appears in it with its default.
func TestEveryOptionDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/server.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range options {
		row := "| `" + o.name + "` |"
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/server.md has no row for %s.%s", o.group, o.name)
			continue
		}
		line := string(doc)[strings.Index(string(doc), row):]
		line = line[:strings.IndexByte(line, '\n')]
		def := o.def
		if def == "" {
			def = "(none)"
		}
		if !strings.Contains(line, "`"+def+"`") && !(o.def == "" && strings.Contains(line, "| |")) {
			t.Errorf("docs/server.md row for %s does not give the default %q: %s", o.name, def, line)
		}
	}
}
