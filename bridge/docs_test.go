package bridge

import (
	"os"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/options"
)

// TestEveryOptionDocumented keeps the [python] options table of the
// docs (docs/python-bridge.md, or docs/python.md once it holds the
// table) and the paste tags one: each option has a row giving its
// default, and each row is an option.
func TestEveryOptionDocumented(t *testing.T) {
	var doc string
	for _, f := range []string{"../docs/python.md", "../docs/python-bridge.md"} {
		if b, err := os.ReadFile(f); err == nil && strings.Contains(string(b), "| `executable` |") {
			doc = string(b)
			break
		}
	}
	if doc == "" {
		t.Fatal("neither docs/python.md nor docs/python-bridge.md has the [python] options table")
	}
	table, err := options.Describe(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, o := range table {
		known[o.Name] = true
		if o.Group != "python" || o.Doc == "" {
			t.Errorf("%s: group %q, doc %q", o.Name, o.Group, o.Doc)
		}
		row := "| `" + o.Name + "` |"
		i := strings.Index(doc, row)
		if i < 0 {
			t.Errorf("the docs have no row for python.%s", o.Name)
			continue
		}
		line := doc[i:]
		line = line[:strings.IndexByte(line, '\n')]
		def := "`" + o.Default + "`"
		if o.Default == "" {
			def = "(none)"
		}
		if !strings.Contains(line, "| "+def+" |") {
			t.Errorf("the docs' row for %s does not give the default %s: %s", o.Name, def, line)
		}
	}
	start := strings.Index(doc, "| `executable` |")
	for _, line := range strings.Split(doc[start:], "\n") {
		if !strings.HasPrefix(line, "| `") {
			break
		}
		name := strings.TrimPrefix(line, "| `")
		if name = name[:strings.IndexByte(name, '`')]; !known[name] {
			t.Errorf("the docs list %s, which is no [python] option", name)
		}
	}
}
