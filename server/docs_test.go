package server

import (
	"os"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/options"
)

// TestEveryOptionDocumented keeps docs/server.md and the options'
// paste tags one table: each option of options.Describe(Defaults())
// has a row with its default (none for the options whose default is
// another's), and each row of the option tables (from "## Options" to
// the next "## ") is an option.
func TestEveryOptionDocumented(t *testing.T) {
	b, err := os.ReadFile("../docs/server.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	table, err := options.Describe(Defaults())
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, o := range table {
		known[o.Name] = true
		row := "| `" + o.Name + "` |"
		if !strings.Contains(doc, row) {
			t.Errorf("docs/server.md has no row for %s.%s", o.Group, o.Name)
			continue
		}
		line := doc[strings.Index(doc, row):]
		line = line[:strings.IndexByte(line, '\n')]
		def := o.Default
		if _, derived := derivedDefaults[o.Name]; derived || def == "" {
			def = "(none)"
		}
		if !strings.Contains(line, "| `"+def+"` |") {
			t.Errorf("docs/server.md row for %s does not give the default %q: %s", o.Name, def, line)
		}
	}
	start := strings.Index(doc, "\n## Options\n")
	if start < 0 {
		t.Fatal("docs/server.md has no ## Options")
	}
	section := doc[start+1:]
	if end := strings.Index(section[1:], "\n## "); end >= 0 {
		section = section[:end+1]
	}
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		name := strings.TrimPrefix(line, "| `")
		name = name[:strings.IndexByte(name, '`')]
		if !known[name] {
			t.Errorf("docs/server.md lists %s, which is no option of the server", name)
		}
	}
}

// TestOptionTable: every option has a doc line and a group, and no
// name is in two groups, since a [server:] section and LoadSettings
// name an option without its group.
func TestOptionTable(t *testing.T) {
	table, err := options.Describe(Defaults())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, o := range table {
		if o.Doc == "" || o.Group == "" {
			t.Errorf("%s: doc %q, group %q", o.Name, o.Doc, o.Group)
		}
		if g, dup := seen[o.Name]; dup {
			t.Errorf("%s is in groups %s and %s", o.Name, g, o.Group)
		}
		seen[o.Name] = o.Group
	}
	if len(table) != len(optionTable) {
		t.Errorf("%d options, table of %d", len(table), len(optionTable))
	}
	for name, from := range derivedDefaults {
		if lookupOption("DEFAULT", name) == nil || lookupOption("DEFAULT", from) == nil {
			t.Errorf("derived default %s <- %s: no such option", name, from)
		}
	}
}

// TestEveryPythonOptionDocumented keeps docs/python.md's option table
// and the [python] options' tags (package bridge) one table, as
// TestEveryOptionDocumented does for docs/server.md: every option has a
// row with its default, and every row of "## Options" is an option.
func TestEveryPythonOptionDocumented(t *testing.T) {
	b, err := os.ReadFile("../docs/python.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "\n## Options\n")
	if start < 0 {
		t.Fatal("docs/python.md has no ## Options")
	}
	section := doc[start+1:]
	if end := strings.Index(section[1:], "\n## "); end >= 0 {
		section = section[:end+1]
	}
	rows := map[string]string{}
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		name := strings.TrimPrefix(line, "| `")
		name = name[:strings.IndexByte(name, '`')]
		rows[name] = line
	}
	known := map[string]bool{}
	for _, o := range pythonTable {
		known[o.Name] = true
		line, ok := rows[o.Name]
		if !ok {
			t.Errorf("docs/python.md has no row for python.%s", o.Name)
			continue
		}
		def := "`" + o.Default + "`"
		if o.Default == "" {
			def = "(none)"
		}
		if !strings.Contains(line, "| "+def+" |") {
			t.Errorf("docs/python.md row for %s does not give the default %s: %s", o.Name, def, line)
		}
		if o.Group != pythonGroup {
			t.Errorf("python option %s is in group %q", o.Name, o.Group)
		}
	}
	for name := range rows {
		if !known[name] {
			t.Errorf("docs/python.md lists %s, which is no [python] option", name)
		}
	}
}
