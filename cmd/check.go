package pasteservecmd

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/loader"
)

// pasteKinds are the section kinds PasteDeploy reads; others ([loggers],
// [uwsgi], ...) are for other tools.
var pasteKinds = map[string]bool{
	"app": true, "application": true, "composite": true, "composit": true,
	"pipeline": true, "filter-app": true, "filter": true, "server": true,
}

var appKinds = map[string]bool{"app": true, "application": true, "composite": true, "composit": true, "pipeline": true, "filter-app": true}

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var rf resolveFlags
	rf.register(fs, false)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: pasteserve check --paste FILE [--name NAME] [--global k=v]... [--config-file F]... [--config-dir D]")
		fmt.Fprintln(stderr, `
Parses FILE and resolves the app NAME (default main; when the file has no
main, every app section no other section uses), then reports:
  errors    anything that stops the file from loading (exit status 1)
  warnings  local keys hidden by [DEFAULT], sections nothing reaches, text
            after a section header, references with no registered Go
            factory (an error only when serving)
each as file:line:col with the source line.

Options:`)
		fs.PrintDefaults()
	}
	nameSet := false
	for _, a := range args {
		if a == "--name" || a == "-name" || strings.HasPrefix(a, "--name=") || strings.HasPrefix(a, "-name=") {
			nameSet = true
		}
	}
	if code := parseFlags(fs, args, &rf, stderr); code >= 0 {
		return code
	}
	f, err := dsl.ParseFile(rf.paste)
	var ds dsl.Diagnostics
	switch {
	case errors.As(err, &ds):
		ds.Write(stderr, f)
		fmt.Fprintf(stderr, "%s: %d error(s)\n", rf.paste, len(ds))
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "pasteserve: %v\n", err)
		return 1
	}

	roots := []string{rf.name}
	if !nameSet && !hasApp(f, "main") {
		roots = rootApps(rf.paste, f, rf.global)
	}
	r := &loader.Resolver{Registry: loader.Default}
	var diags dsl.Diagnostics
	var plans []*loader.Node
	for _, name := range roots {
		n, err := r.Resolve(rf.paste, name, loader.TypeApp, rf.global)
		if err != nil {
			if errors.As(err, &ds) {
				diags = append(diags, ds...)
			} else {
				diags.Errorf(dsl.Pos{Filename: rf.paste}, "%v", err)
			}
			continue
		}
		plans = append(plans, n)
	}
	diags = append(diags, r.Warnings()...)
	for _, s := range f.Sections {
		if s.Trailing != "" {
			diags.Warnf(s.Pos, "text after the header's ']' is ignored: %q", s.Trailing)
		}
	}
	if !diags.HasErrors() {
		for _, s := range parsedAgain(r, f).Sections {
			if _, named := s.Name(); pasteKinds[s.Kind()] && named && s.Kind() != "server" && !r.Visited(s) {
				diags.Warnf(s.Pos, "[%s] is not reached from %s with this configuration", s.Header, strings.Join(roots, ", "))
			}
		}
		seen := map[string]bool{}
		for _, p := range plans {
			loader.Walk(p, func(n *loader.Node) {
				if n.Kind != loader.NodeFactory || seen[n.Ref.Text] {
					return
				}
				seen[n.Ref.Text] = true
				if _, ok := loader.Default.Lookup(n.Ref.Text, n.Type); !ok {
					diags.Warnf(n.Ref.Pos, "%s has no registered Go factory: pasteserve can show this file but not serve it until one is registered (see docs/plugins.md)", n.Ref.Text)
				}
			})
		}
	}
	diags.Sort()
	files := append(r.Files(), f)
	diags.Write(stderr, files...)
	nerr, nwarn := 0, 0
	for _, d := range diags {
		if d.Severity == dsl.SeverityError {
			nerr++
		} else {
			nwarn++
		}
	}
	if nerr > 0 {
		fmt.Fprintf(stderr, "%s: %d error(s), %d warning(s)\n", rf.paste, nerr, nwarn)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %d sections, %d app(s) resolved (%s), no errors, %d warning(s)\n",
		rf.paste, len(f.Sections), len(plans), strings.Join(roots, ", "), nwarn)
	for _, s := range f.Sections {
		fmt.Fprintf(stdout, "  %-7s [%s] (%d keys)\n", fmt.Sprintf("%d:%d", s.Pos.Line, s.Pos.Column), s.Header, len(s.Entries))
	}
	return 0
}

// parsedAgain returns the resolver's copy of the top file (whose sections
// Visited knows), or f when the resolver did not read it.
func parsedAgain(r *loader.Resolver, f *dsl.File) *dsl.File {
	abs, _ := filepath.Abs(f.Name)
	for _, rf := range r.Files() {
		if a, _ := filepath.Abs(rf.Name); a == abs {
			return rf
		}
	}
	return f
}

func hasApp(f *dsl.File, name string) bool {
	for _, s := range f.Sections {
		if n, ok := s.Name(); ok && n == name && appKinds[s.Kind()] {
			return true
		}
		if s.Header == "app" && name == "main" {
			return true
		}
	}
	return false
}

// rootApps lists the app sections no other app section reaches: the
// entry points of a file without main. Each app section is resolved on
// its own to see what it reaches; one that fails to resolve reaches
// nothing, and is a root whose error the check will report.
func rootApps(path string, f *dsl.File, global map[string]string) []string {
	var apps []*dsl.Section
	for _, s := range f.Sections {
		if _, ok := s.Name(); ok && appKinds[s.Kind()] {
			apps = append(apps, s)
		}
	}
	reached := map[string]bool{}
	for _, s := range apps {
		name, _ := s.Name()
		r := &loader.Resolver{Registry: loader.Default}
		if _, err := r.Resolve(path, name, loader.TypeApp, global); err != nil {
			continue
		}
		for _, rfile := range r.Files() {
			for _, other := range rfile.Sections {
				if r.Visited(other) && other.Header != s.Header {
					reached[other.Header] = true
				}
			}
		}
	}
	var roots []string
	for _, s := range apps {
		if name, _ := s.Name(); !reached[s.Header] {
			roots = append(roots, name)
		}
	}
	return roots
}
