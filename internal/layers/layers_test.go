package layers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
)

// layers is the module's import direction, bottom first, by package
// path within the module. A package may import the packages of the
// layers before its own, and no other package of the module.
var layers = [][]string{
	// What every other package may use: the standard library only.
	{"redact", "request", "internal/otlphttp", "internal/keystonetest", "internal/moduletest", "internal/binarytest"},
	// The paste text; the fault body and the request's logger.
	{"dsl", "fault", "reqlog"},
	// The resolved plan: pure data; the one decoder of options (struct
	// tags, a section, its groups). The reference parser that dsl's
	// output is checked against, for tests.
	{"plan", "options", "internal/dsloracle"},
	// The registry: factories, their kinds and the Config they get. The
	// Python bridge (its options, the pool, the handlers that reach it),
	// which the server wires in and nothing below it needs.
	{"factory", "bridge"},
	// Resolution, the build and printing plans, each on its own.
	{"resolve", "build", "graph"},
	// One load of a paste file.
	{"loader"},
	// The factories, each package on its own: apps does not import
	// filters, filters and tokenauth do not import each other. Plugins
	// (the examples') stand here too.
	{"filters", "tokenauth", "apps", "internal/filtertest", "internal/loadtest", "examples/customfilter/hello", "examples/customfilter/stamp"},
	// The registration of every built-in, apart from the factories, so
	// that a Go program importing filters gets no registry.
	{"builtin"},
	{"server"},
	{"pastetest"},
	{"cmd"},
	// Programs and tests: nothing imports them.
	{"cmd/pasteserve", "examples/customfilter", "examples/gofirst", "internal/testbin/server", "internal/testbin/parity", "internal/parity", "internal/bridgeaccept", "internal/fleet", "internal/layers", "internal/doccheck", "internal/deploycheck", "internal/startuptime", "bench/baseline"},
}

// testOnly are helper packages for tests: no package imports them, only
// test files do.
var testOnly = []string{"internal/keystonetest", "internal/moduletest", "internal/filtertest", "internal/loadtest", "internal/dsloracle"}

// pkg is what go list says of a package.
type pkg struct {
	ImportPath string
	Imports    []string
	Error      *struct{ Err string }
}

// TestImportDirection checks every package of the module against layers.
func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-m").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	module := strings.TrimSpace(string(out))
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Imports,Error", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	found := map[string]bool{}
	for _, p := range pkgs {
		found[p.ImportPath] = true
		if p.Error != nil {
			t.Errorf("%s: %s", p.ImportPath, p.Error.Err)
		}
	}
	// A package that is gone (moved, split) leaves the layers.
	for _, l := range layers {
		for _, rel := range l {
			if !found[module+"/"+rel] {
				t.Errorf("layers names %s, which go list does not find: remove it, or place what replaced it", rel)
			}
		}
	}
	for _, v := range violations(module, pkgs) {
		t.Error(v)
	}
}

// violations lists, for the packages of module, each one that is in no
// layer (or in two), each import of a package of the same layer or of
// one above, and each import of a test-only package.
func violations(module string, pkgs []pkg) []string {
	layerOf := map[string]int{}
	var out []string
	for i, l := range layers {
		for _, rel := range l {
			if j, ok := layerOf[rel]; ok {
				out = append(out, fmt.Sprintf("%s is in layers %d and %d", rel, j, i))
			}
			layerOf[rel] = i
		}
	}
	rel := func(path string) (string, bool) {
		if path == module {
			return ".", true
		}
		r, ok := strings.CutPrefix(path, module+"/")
		return r, ok
	}
	for _, p := range pkgs {
		from, ok := rel(p.ImportPath)
		if !ok {
			continue
		}
		fl, ok := layerOf[from]
		if !ok {
			out = append(out, fmt.Sprintf("%s is in no layer: add it to layers in internal/layers/layers_test.go, above what it imports", from))
			continue
		}
		for _, imp := range p.Imports {
			to, ok := rel(imp)
			if !ok {
				continue // the standard library or another module
			}
			if slices.Contains(testOnly, to) {
				out = append(out, fmt.Sprintf("%s imports %s, a helper for tests only", from, to))
				continue
			}
			tl, ok := layerOf[to]
			switch {
			case !ok:
				// Reported as in no layer, under its own name.
			case tl == fl:
				out = append(out, fmt.Sprintf("%s imports %s, of its own layer (%s): packages of one layer do not import each other", from, to, strings.Join(layers[fl], ", ")))
			case tl > fl:
				out = append(out, fmt.Sprintf("%s imports %s, which is above it (layer %d over %d): imports run down, never up", from, to, tl, fl))
			}
		}
	}
	out = append(out, upTheTree(module, pkgs)...)
	sort.Strings(out)
	return out
}

// upTheTree lists each import that runs up the directory tree: a package
// inside another's directory (server/internal/testbin inside server)
// that imports a package which imports the enclosing one (cmd, which
// imports server). Importing the enclosing package itself is fine
// (cmd/pasteserve imports cmd).
func upTheTree(module string, pkgs []pkg) []string {
	imports := map[string][]string{}
	for _, p := range pkgs {
		imports[p.ImportPath] = p.Imports
	}
	deps := map[string]map[string]bool{}
	var depsOf func(path string) map[string]bool
	depsOf = func(path string) map[string]bool {
		if d, ok := deps[path]; ok {
			return d
		}
		d := map[string]bool{}
		deps[path] = d // a cycle, which go list reports, stops here
		for _, imp := range imports[path] {
			if _, ours := imports[imp]; ours {
				d[imp] = true
				for dd := range depsOf(imp) {
					d[dd] = true
				}
			}
		}
		return d
	}
	var out []string
	for _, p := range pkgs {
		for dir := p.ImportPath; ; {
			i := strings.LastIndexByte(dir, '/')
			if i < 0 || len(dir[:i]) <= len(module) {
				break
			}
			dir = dir[:i]
			if _, ok := imports[dir]; !ok {
				continue
			}
			for _, imp := range p.Imports {
				if imp != dir && depsOf(imp)[dir] {
					rel := func(s string) string { return strings.TrimPrefix(s, module+"/") }
					out = append(out, fmt.Sprintf("%s imports %s, which imports %s, the package it is inside: the import runs up the tree",
						rel(p.ImportPath), rel(imp), rel(dir)))
				}
			}
		}
	}
	return out
}

// The check itself, on a graph made up for it: it catches an import
// within a layer (apps importing filters), one that runs up (server
// importing cmd), a test helper imported by a package, and a package in
// no layer, and passes a graph that runs down.
func TestViolations(t *testing.T) {
	const m = "example.com/m"
	good := []pkg{
		{ImportPath: m + "/apps", Imports: []string{"net/http", m + "/loader", m + "/request"}},
		{ImportPath: m + "/loader", Imports: []string{m + "/dsl"}},
		{ImportPath: m + "/cmd", Imports: []string{m + "/server", "github.com/rs/zerolog"}},
	}
	if v := violations(m, good); len(v) != 0 {
		t.Errorf("a graph that runs down: %q", v)
	}
	bad := append(slices.Clone(good),
		pkg{ImportPath: m + "/filters", Imports: []string{m + "/loader"}},
		pkg{ImportPath: m + "/apps", Imports: []string{m + "/filters"}},
		pkg{ImportPath: m + "/server", Imports: []string{m + "/cmd"}},
		pkg{ImportPath: m + "/redact", Imports: []string{m + "/internal/moduletest"}},
		pkg{ImportPath: m + "/util", Imports: []string{m + "/loader"}},
		pkg{ImportPath: m + "/internal/testbin/server", Imports: []string{m + "/cmd"}},
		pkg{ImportPath: m + "/cmd/pasteserve", Imports: []string{m + "/cmd", m + "/apps"}},
		// Inside server: whatever its layer, it may not import cmd, which
		// imports server.
		pkg{ImportPath: m + "/server/internal/testbin", Imports: []string{m + "/cmd"}},
	)
	want := []string{
		"apps imports filters, of its own layer",
		"redact imports internal/moduletest, a helper for tests only",
		"server imports cmd, which is above it",
		"util is in no layer",
		"server/internal/testbin is in no layer",
		"server/internal/testbin imports cmd, which imports server, the package it is inside",
	}
	got := violations(m, bad)
	if len(got) != len(want) {
		t.Errorf("got %d violations, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, w) }) {
			t.Errorf("no violation %q in:\n%s", w, strings.Join(got, "\n"))
		}
	}
}
