package builtin_test

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/factory"
)

// docTables reads the option tables of docs/filters.md and docs/apps.md:
// for each "## name[, name...]" section, the rows of its first table
// headed "| option | default | meaning |", option to default as written.
func docTables(t *testing.T) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, file := range []string{"../docs/filters.md", "../docs/apps.md"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		var rows map[string]string
		inTable, done := false, false
		for _, line := range strings.Split(string(b), "\n") {
			switch {
			case strings.HasPrefix(line, "## "):
				names = strings.Split(strings.TrimPrefix(line, "## "), ", ")
				rows, inTable, done = map[string]string{}, false, false
				for _, n := range names {
					out[strings.TrimSpace(n)] = rows
				}
			case rows == nil || done:
			case strings.HasPrefix(line, "| option | default |"):
				inTable = true
			case inTable && strings.HasPrefix(line, "|---"):
			case inTable && strings.HasPrefix(line, "|"):
				cells := strings.Split(strings.Trim(line, "|"), "|")
				if len(cells) >= 2 {
					rows[strings.TrimSpace(cells[0])] = strings.TrimSpace(cells[1])
				}
			case inTable:
				inTable, done = false, true
			}
		}
	}
	return out
}

// A key of the docs that stands for many (the versions app's ID.status),
// which no option table lists.
var patternKey = regexp.MustCompile("^`ID\\.")

// The option tables of docs/filters.md and docs/apps.md list exactly the
// options that the factories' options structs declare, with the same
// defaults: the docs cannot drift from the code. A default written in
// words, "(none)" or "(none: all)", stands for an empty one. Factories
// that read their Config themselves have no table to hold the docs to
// yet; the factories converted to an options struct must all be here.
func TestDocsListTheOptions(t *testing.T) {
	docs := docTables(t)
	checked := map[string]bool{}
	// The options of all the factories of one name (healthcheck's app
	// and filter) are one section's.
	byName := map[string]map[string]string{}
	for _, f := range factory.Default.Factories() {
		if f.Options == nil {
			continue
		}
		opts, err := f.Options()
		if err != nil {
			t.Fatal(err)
		}
		if byName[f.Name] == nil {
			byName[f.Name] = map[string]string{}
		}
		for _, o := range opts {
			byName[f.Name]["`"+o.Name+"`"] = o.Default
		}
	}
	names := make([]string, 0, len(byName))
	for name := range byName {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		rows, ok := docs[name]
		if !ok {
			continue // a flavor documented under another's section (nova_versions under versions)
		}
		checked[name] = true
		for opt, def := range byName[name] {
			doc, ok := rows[opt]
			if !ok {
				t.Errorf("%s: the docs' table has no row for option %s (default %q)", name, opt, def)
				continue
			}
			if strings.HasPrefix(doc, "(") {
				doc = ""
			}
			if doc != def {
				t.Errorf("%s: option %s: the docs say the default is %q, the code %q", name, opt, rows[opt], def)
			}
		}
		for opt := range rows {
			if _, ok := byName[name][opt]; !ok && !patternKey.MatchString(opt) {
				t.Errorf("%s: the docs' table lists %s, which is no option of the factory", name, opt)
			}
		}
	}
	for _, name := range []string{"cors", "sizelimit", "catch_errors", "healthcheck", "versions"} {
		if !checked[name] {
			t.Errorf("%s: no docs section holds its options to the code", name)
		}
	}
}
