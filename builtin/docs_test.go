package builtin_test

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/factory"
)

// docTables reads the option tables of docs/filters.md, docs/apps.md and
// docs/auth.md (the token filters, whose section in filters.md points
// there):
// for each "## name[, name...]" section, the rows of its first table
// headed "| option | default | meaning |", option to default as written.
func docTables(t *testing.T) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, file := range []string{"../docs/filters.md", "../docs/apps.md", "../docs/auth.md"} {
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
			case rows == nil || done:
			case strings.HasPrefix(line, "| option | default |"):
				// A section with a table holds its names' options; one
				// without (auth.md's noauth, which points to filters.md)
				// does not hide another file's.
				inTable = true
				for _, n := range names {
					out[strings.TrimSpace(n)] = rows
				}
			case inTable && strings.HasPrefix(line, "|---"):
			case inTable && strings.HasPrefix(line, "|"):
				cells := strings.Split(strings.Trim(line, "|"), "|")
				if len(cells) >= 2 {
					// A row may name several options that share a
					// default ("`username` / `user_id`", "`certfile`,
					// `keyfile`"); a default may be written as code.
					def := strings.Trim(strings.TrimSpace(cells[1]), "`")
					for _, name := range rowNames.Split(strings.TrimSpace(cells[0]), -1) {
						rows[name] = def
					}
				}
			case inTable:
				inTable, done = false, true
			}
		}
	}
	return out
}

// A key of the docs that stands for many (the versions app's ID.status,
// cascade's app*), which no option table lists.
var patternKey = regexp.MustCompile("^`(ID\\.|[a-z_]*\\*)")

// rowNames separates the options one row of a table names.
var rowNames = regexp.MustCompile(" / |, ")

// The option tables of docs/filters.md, docs/apps.md and docs/auth.md
// list exactly the options that the factories' options structs declare,
// with the same defaults: the docs cannot drift from the code. A default
// written in words, "(none)" or "(none: all)", stands for an empty one.
// Every factory with options has a table, but flavors documented in
// another's section; errordocument's keys are status codes, and it has
// no option table to hold the docs to.
func TestDocsListTheOptions(t *testing.T) {
	// Flavors documented in another's section, whose options are that
	// one's with other defaults (the docs say which).
	flavors := map[string]bool{
		"nova_versions": true, "nova_versions_v2": true, "cinder_versions": true,
		"compute_req_id": true, "healthcheck_filter": true, "nova_urlmap": true, "cinder_urlmap": true,
	}
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
			if !flavors[name] && len(byName[name]) > 0 {
				t.Errorf("%s: no docs section has a table of its options", name)
			}
			continue
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
	for _, name := range []string{"cors", "sizelimit", "healthcheck", "versions", "request_id", "auth_token", "jwt_token", "static_token", "urlmap", "gzip", "access_log"} {
		if !checked[name] {
			t.Errorf("%s: no docs section holds its options to the code", name)
		}
	}
}
