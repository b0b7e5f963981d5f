package pasteservecmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/pasteserve/pasteserve/build"
	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/loader"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/redact"
	"github.com/pasteserve/pasteserve/resolve"
	"github.com/pasteserve/pasteserve/server"
)

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var rf resolveFlags
	rf.register(fs, false)
	serverName := fs.String("server-name", "main", "the `NAME` of the paste file's [server:NAME] section whose settings to check, as for serve")
	allowUnregistered := fs.Bool("allow-unregistered", false, "report references with no registered Go factory as warnings, not errors: for a file whose Python factories have no Go counterpart yet (serve still refuses it)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: pasteserve check --paste FILE [--name NAME] [--server-name NAME] [--global k=v]... [--config-file F]... [--config-dir D] [--allow-unregistered] [--python EXE]")
		fmt.Fprintln(stderr, `
Does what serve does before it listens, and reports every problem at once:
reads the server settings (the paste file's [server:NAME] section, the
--config-file and --config-dir files), parses FILE, resolves the app NAME
and builds its pipeline, calling every factory. A file check passes is a
file serve starts with.

--name NAME checks the app serve --name NAME serves. Without it, check
checks main, which serve serves without --name; when the file has no
main, that is an error, and check names and checks every app section no
other section uses, the ones to give serve's --name.

Reports:
  errors    anything that stops serve (exit status 1): syntax, sections,
            interpolation, pipelines, cycles, option values of filters,
            apps and the server, references with no registered Go factory
            (warnings with --allow-unregistered; with --python they run in
            Python), a factory reference that an indented line continues,
            no app to serve
  warnings  local keys hidden by [DEFAULT], sections nothing reaches, text
            after a section header, server keys pasteserve ignores, a
            bind_host this machine cannot resolve
each as file:line:col with the source line, sorted. With --python, the
summary says of each section whether it runs in Go or in Python; the
Python parts are not loaded (serve loads them before it listens).

Options:`)
		fs.PrintDefaults()
	}
	if code := parseArgs(fs, args, &rf); code >= 0 {
		return code
	}
	nameSet := false
	fs.Visit(func(f *flag.Flag) { nameSet = nameSet || f.Name == "name" })
	var c checker

	// The server settings, read as serve reads them: they also find the
	// paste file when --paste is not given.
	cfg, err := server.LoadSettings(server.Flags{Paste: rf.paste, Name: rf.name, ServerName: *serverName,
		ConfigFiles: rf.configFiles, ConfigDir: rf.configDir, Workers: -1, Python: rf.python})
	c.add(err)
	if cfg == nil {
		return c.report(stdout, stderr, rf.paste, nil, nil, nil)
	}
	c.diags = append(c.diags, cfg.Warnings...)
	rf.python = cfg.Python.Executable // --python, or [python] executable of a config file
	// serve resolves bind_host when it binds; a name this machine
	// cannot resolve is a warning (docs/cli.md says why not an error).
	c.bindHost(cfg)
	paste := cfg.Paste
	global := map[string]string{}
	maps.Copy(global, cfg.Global)
	maps.Copy(global, rf.global)

	// The paste file as the server settings read it: everything below
	// resolves from that one parse.
	set := cfg.Loaded()
	f := set.File()
	if err := set.Err(); err != nil {
		var ds dsl.Diagnostics
		if errors.As(err, &ds) || !c.diags.HasErrors() {
			c.add(err)
		}
		return c.report(stdout, stderr, paste, f, nil, nil)
	}

	roots := []string{rf.name}
	if !nameSet && !resolve.Defines(f, plan.TypeApp, "main") {
		if roots = rootApps(set, f, global); len(roots) > 0 {
			// serve without --name serves main, and stops: say so,
			// and check the apps it could be given instead.
			c.noMain(set, global, roots)
		} else {
			// No app at all: resolving main says so, as serve does.
			roots = []string{"main"}
		}
	}
	r := set.Resolver(factory.Default)
	var plans []*plan.Node
	resolved := true
	for _, name := range roots {
		// Resolution goes on past its errors; what resolved is built
		// below, so that one run shows both kinds of problem.
		n, err := r.Resolve(set.Path(), name, plan.TypeApp, global)
		if err != nil {
			c.add(err)
			resolved = false
		}
		if n != nil {
			plans = append(plans, n)
		}
	}
	// Build what resolved, calling every factory, as serve does; nothing
	// listens. References with no factory are errors, as for serve,
	// unless --allow-unregistered (then warned about below).
	places := map[string]map[build.Place]bool{} // by section header, with --python
	for _, n := range plans {
		opts := build.Options{AllowUnregistered: *allowUnregistered}
		if rf.python != "" {
			opts.Foreign, opts.File, opts.Injected = unloaded{}, set.Path(), global
			for node, p := range build.Places(n, factory.Default) {
				if node.Section == "" {
					continue
				}
				if places[node.Section] == nil {
					places[node.Section] = map[build.Place]bool{}
				}
				places[node.Section][p] = true
			}
		}
		c.add(opts.Check(n, factory.Default))
	}
	c.diags = append(c.diags, r.Warnings()...)
	for _, s := range f.Sections {
		if s.Trailing != "" {
			c.diags.Warnf(s.Pos, "text after the header's ']' is ignored: %q", redact.Line(s.Trailing))
		}
	}
	if resolved {
		// With resolution errors, what is not reached may be what a
		// broken reference meant: those errors say enough.
		for _, s := range f.Sections {
			typ, ok := resolve.SectionType(s)
			if _, named := s.Name(); ok && named && typ != plan.TypeServer && !r.Visited(s) {
				c.diags.Warnf(s.Pos, "[%s] is not reached from %s with this configuration", s.Header, strings.Join(roots, ", "))
			}
		}
	}
	if *allowUnregistered && rf.python == "" {
		seen := map[string]bool{}
		for _, p := range plans {
			plan.Walk(p, func(n *plan.Node) {
				if n.Kind != plan.NodeFactory || seen[n.Ref.Text] {
					return
				}
				seen[n.Ref.Text] = true
				if _, ok := factory.Default.Lookup(n.Ref.Text, n.Type); !ok {
					c.diags.Warnf(n.Ref.Pos, "%s has no registered Go factory: pasteserve serves this file only with --python, which runs it in Python (docs/python.md), or once a Go factory is registered (docs/plugins.md)", n.Ref.Text)
				}
			})
		}
	}
	return c.report(stdout, stderr, paste, f, r, func(w io.Writer, nwarn int) {
		fmt.Fprintf(w, "%s: %d sections, %d app(s) resolved (%s), no errors, %d warning(s)\n",
			paste, len(f.Sections), len(plans), strings.Join(roots, ", "), nwarn)
		for _, s := range f.Sections {
			fmt.Fprintf(w, "  %-7s [%s] (%d keys)%s\n", fmt.Sprintf("%d:%d", s.Pos.Line, s.Pos.Column), s.Header, len(s.Entries), runsIn(places[s.Header]))
		}
	})
}

// unloaded is the Foreign of check --python: it loads nothing (serve
// loads the Python parts, in Python, before it listens).
type unloaded struct{}

func (unloaded) Tail(build.Tail) (http.Handler, error) { return http.NotFoundHandler(), nil }

// runsIn says, for check's summary, where a section runs: ": Go",
// ": Python", ": Go, then Python" (a pipeline split), or ": in Go and
// in Python" for a section that runs in Go where one chain uses it and
// in Python where another does; "" for one that is not reached, or
// without --python.
func runsIn(places map[build.Place]bool) string {
	if len(places) == 1 {
		for p := range places {
			return ": " + p.String()
		}
	}
	if len(places) > 1 {
		return ": in Go and in Python"
	}
	return ""
}

// checker collects what check finds, from the server settings, the
// parser, the resolver and the build, with the files to quote.
type checker struct {
	diags dsl.Diagnostics
	files []*dsl.File
}

// add records err: its diagnostics, and the files of a server.SourceError
// for excerpts; an error without a position is placed at no file.
func (c *checker) add(err error) {
	if err == nil {
		return
	}
	var se *server.SourceError
	if errors.As(err, &se) {
		c.files = append(c.files, se.Files...)
	}
	var ds dsl.Diagnostics
	if errors.As(err, &ds) {
		c.diags = append(c.diags, ds...)
		return
	}
	c.diags.Errorf(dsl.Pos{Filename: "pasteserve"}, "%v", err)
}

// report prints every diagnostic once, sorted, with excerpts, then the
// summary: ok when there is no error. It returns the exit status.
func (c *checker) report(stdout, stderr io.Writer, paste string, f *dsl.File, r *resolve.Resolver, ok func(io.Writer, int)) int {
	files := c.files
	if r != nil {
		files = append(files, r.Files()...)
	}
	if f != nil {
		// The paste file by the path check was given (or found), as
		// the summary names it; its parse names it relative to the
		// working directory.
		given := *f
		given.Name = paste
		files = append(files, &given)
	}
	// The same file can be named by two paths (the parse of the paste
	// file by one relative to the working directory, check by the one
	// given): name each as one of the files read, so that it has its
	// excerpt, and the same problem found twice shows once.
	names := map[string]string{}
	for _, f := range files {
		names[absPath(f.Name)] = f.Name
	}
	rename := func(p dsl.Pos) dsl.Pos {
		if n, ok := names[absPath(p.Filename)]; ok && p.IsValid() {
			p.Filename = n
		}
		return p
	}
	seen := map[string]bool{}
	var ds dsl.Diagnostics
	for _, d := range c.diags {
		d := *d
		d.Pos = rename(d.Pos)
		d.Related = append([]dsl.Related(nil), d.Related...)
		for i := range d.Related {
			d.Related[i].Pos = rename(d.Related[i].Pos)
		}
		if k := fmt.Sprintf("%d %s", d.Severity, d.Error()); !seen[k] {
			seen[k] = true
			ds = append(ds, &d)
		}
	}
	ds.Sort()
	ds.Write(stderr, files...)
	nerr, nwarn := 0, 0
	for _, d := range ds {
		if d.Severity == dsl.SeverityError {
			nerr++
		} else {
			nwarn++
		}
	}
	if nerr > 0 || ok == nil {
		if paste == "" {
			paste = "pasteserve check"
		}
		fmt.Fprintf(stderr, "%s: %d error(s), %d warning(s)\n", paste, nerr, nwarn)
		return 1
	}
	ok(stdout, nwarn)
	return 0
}

// rootApps lists the app sections no other app section reaches: the
// entry points of a file without main. Each app section is resolved on
// its own, from the one parse of set, to see what it reaches; resolution
// goes on past errors, so a section that fails still reaches what it
// names.
func rootApps(set *loader.Set, f *dsl.File, global map[string]string) []string {
	var apps []*dsl.Section
	for _, s := range f.Sections {
		if typ, ok := resolve.SectionType(s); ok && typ == plan.TypeApp {
			if _, named := s.Name(); named {
				apps = append(apps, s)
			}
		}
	}
	reached := map[string]bool{}
	for _, s := range apps {
		name, _ := s.Name()
		r := set.Resolver(factory.Default)
		r.Resolve(set.Path(), name, plan.TypeApp, global)
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

// noMain reports that serve, without --name, would stop at this file: it
// has no main. The message is serve's, with the names to give it
// instead: the apps no other section uses, roots, which check goes on
// to check.
func (c *checker) noMain(set *loader.Set, global map[string]string, roots []string) {
	_, err := set.Resolver(factory.Default).Resolve(set.Path(), "main", plan.TypeApp, global)
	var ds dsl.Diagnostics
	if !errors.As(err, &ds) || len(ds) == 0 {
		return
	}
	names := make([]string, len(roots))
	for i, r := range roots {
		names[i] = "--name " + r
	}
	which := "that app"
	if len(roots) > 1 {
		which = "each of them"
	}
	d := *ds[0]
	d.Msg += fmt.Sprintf("; serve without --name serves main, so it stops here: serve it with %s (check has checked %s)", orList(names), which)
	c.diags = append(c.diags, &d)
}

// bindHost warns when bind_host does not resolve here, at the key that
// set it. It is not an error: the name is looked up on this machine, at
// check time, and serve looks it up on its own, at start; a name only
// the server's resolver knows, or a resolver that does not answer in
// time, would fail a check of a good file.
func (c *checker) bindHost(cfg *server.Settings) {
	ctx, cancel := context.WithTimeout(context.Background(), bindHostTimeout)
	defer cancel()
	err := cfg.LookupBindHost(ctx)
	var se *server.SourceError
	if errors.As(err, &se) {
		c.files = append(c.files, se.Files...)
	}
	var ds dsl.Diagnostics
	if !errors.As(err, &ds) {
		return
	}
	for _, d := range ds {
		w := *d
		w.Severity = dsl.SeverityWarning
		w.Msg += "; serve looks it up again when it starts, and stops if it cannot resolve it then"
		c.diags = append(c.diags, &w)
	}
}

// bindHostTimeout bounds check's look-up of bind_host: a resolver that
// does not answer must not hang a check in CI.
const bindHostTimeout = 5 * time.Second

// orList joins words as "a", "a or b", "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
