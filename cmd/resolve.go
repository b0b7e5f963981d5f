package pasteservecmd

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/pasteserve/pasteserve/build"
	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/graph"
	"github.com/pasteserve/pasteserve/loader"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/redact"
	"github.com/pasteserve/pasteserve/resolve"
	"github.com/pasteserve/pasteserve/server"
)

// globalFlags collects repeated --global k=v flags.
type globalFlags map[string]string

func (g globalFlags) String() string { return "" }

func (g globalFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", s)
	}
	g[k] = v
	return nil
}

// showSecretsUsage describes --show-secrets of config and graph.
const showSecretsUsage = "print every value as written; by default the values of keys that name secrets (admin_password, memcache_secret_key, ...) and URL passwords print as ****"

// resolveFlags are the options check, config and graph share.
type resolveFlags struct {
	paste       string
	name        string
	kind        string
	global      globalFlags
	configFiles []string
	configDir   string
	// python is --python EXE, or [python] executable from the config
	// files: the Python parts are shown as such.
	python string
	// set is the paste file as read for the config files' settings, so
	// that it is read and parsed once; nil until resolve opens it.
	set *loader.Set
}

// register adds the shared flags to fs; --kind only with withKind.
func (rf *resolveFlags) register(fs *flag.FlagSet, withKind bool) {
	rf.global = globalFlags{}
	rf.kind = "app"
	fs.StringVar(&rf.paste, "paste", "", "the paste-deploy `FILE` (required)")
	fs.StringVar(&rf.name, "name", "main", "the `NAME` of the object to resolve")
	if withKind {
		fs.StringVar(&rf.kind, "kind", "app", "what to resolve: app, filter or server")
	}
	fs.Var(rf.global, "global", "a `key=value` of the caller's global configuration, as PasteDeploy's global_conf (repeatable)")
	fs.Var((*stringList)(&rf.configFiles), "config-file", "an oslo.config-style `FILE`, as for serve: api_paste_config finds the paste file, auth_strategy and flavor reach its global configuration (repeatable)")
	fs.StringVar(&rf.configDir, "config-dir", "", "read every `DIR`/*.conf after the --config-files")
	fs.Var(checked{&rf.python, nonEmpty}, "python", pythonUsage)
}

// pythonUsage describes --python of check, config and graph.
const pythonUsage = "as for serve: the parts with no Go factory run in Python, under the interpreter `EXE` (docs/python.md); shows where each part runs"

// runsIn returns where each node of n runs, for graph.Options.RunsIn,
// or nil without --python.
func (rf *resolveFlags) runsIn(n *plan.Node) func(*plan.Node) string {
	if rf.python == "" {
		return nil
	}
	places := build.Places(n, factory.Default)
	return func(n *plan.Node) string {
		if p, ok := places[n]; ok {
			return p.String()
		}
		return ""
	}
}

// applyConfig reads the --config-file and --config-dir files as serve
// does: they may name the paste file (api_paste_config) and give global
// settings (auth_strategy, flavor), which --global flags override.
func (rf *resolveFlags) applyConfig(stderr io.Writer) bool {
	if len(rf.configFiles) == 0 && rf.configDir == "" {
		return true
	}
	cfg, err := server.LoadSettings(server.Flags{Paste: rf.paste, ConfigFiles: rf.configFiles, ConfigDir: rf.configDir, Workers: -1, Python: rf.python})
	if err != nil {
		printError(stderr, err, nil)
		return false
	}
	rf.paste, rf.set, rf.python = cfg.Paste, cfg.Loaded(), cfg.Python.Executable
	for k, v := range cfg.Global {
		if _, set := rf.global[k]; !set {
			rf.global[k] = v
		}
	}
	return true
}

// resolve resolves the object the flags name. With skipChildren, composite
// children are left alone, as PasteDeploy's appconfig leaves them.
func (rf *resolveFlags) resolve(stderr io.Writer, skipChildren bool) (*plan.Node, *resolve.Resolver, bool) {
	var typ plan.ObjectType
	switch rf.kind {
	case "app":
		typ = plan.TypeApp
	case "filter":
		typ = plan.TypeFilter
	case "server":
		typ = plan.TypeServer
	default:
		fmt.Fprintf(stderr, "pasteserve: --kind must be app, filter or server, not %q\n", rf.kind)
		return nil, nil, false
	}
	if rf.set == nil {
		rf.set, _ = loader.Open(rf.paste) // an error opening is Resolve's error too
	}
	r := rf.set.Resolver(factory.Default)
	r.SkipChildren = skipChildren
	n, err := r.Resolve(rf.set.Path(), rf.name, typ, rf.global)
	if err != nil {
		printError(stderr, err, r.Files())
		return nil, nil, false
	}
	return n, r, true
}

// printError prints diagnostics with source excerpts, or a plain error.
// The excerpts come from files and, for a server.SourceError (what
// server.LoadSettings and serve return), from the files it read.
func printError(w io.Writer, err error, files []*dsl.File) {
	var se *server.SourceError
	if errors.As(err, &se) {
		files = append(files, se.Files...)
	}
	var ds dsl.Diagnostics
	if errors.As(err, &ds) {
		ds.Write(w, files...)
		return
	}
	fmt.Fprintf(w, "pasteserve: %v\n", err)
}

// parseArgs parses args into fs and rf. It returns an exit status (0
// for --help, 2 for a usage mistake), or -1 to go on.
func parseArgs(fs *flag.FlagSet, args []string, rf *resolveFlags) int {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if (rf.paste == "" && len(rf.configFiles) == 0 && rf.configDir == "") || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	return -1
}

// parseFlags parses args into fs and rf, and reads the config files they
// name. It returns an exit status, or -1 to go on.
func parseFlags(fs *flag.FlagSet, args []string, rf *resolveFlags, stderr io.Writer) int {
	if code := parseArgs(fs, args, rf); code >= 0 {
		return code
	}
	if !rf.applyConfig(stderr) {
		return 1
	}
	return -1
}

func runConfig(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var rf resolveFlags
	rf.register(fs, true)
	showSecrets := fs.Bool("show-secrets", false, showSecretsUsage)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: pasteserve config --paste FILE [--name NAME] [--kind app|filter|server] [--global k=v]... [--show-secrets] [--python EXE]")
		fmt.Fprintln(stderr, "\nPrints the configuration the named object's factory gets, as Python's")
		fmt.Fprintln(stderr, "paste.deploy.appconfig returns it: {\"local_conf\": ..., \"global_conf\": ...}.")
		fmt.Fprintln(stderr, "With --python, \"runs_in\" says whether it runs in Go or in Python.\n\nOptions:")
		fs.PrintDefaults()
	}
	if code := parseFlags(fs, args, &rf, stderr); code >= 0 {
		return code
	}
	n, _, ok := rf.resolve(stderr, true)
	if !ok {
		return 1
	}
	runsIn := ""
	if in := rf.runsIn(n); in != nil {
		runsIn = in(n)
	}
	// A filter-with wrapper carries no configuration of its own: show the
	// object it wraps, which gets the section's keys.
	for n.Kind == plan.NodeFilterWith {
		n = n.App
	}
	local, global := n.Local, n.Global
	if !*showSecrets {
		// Each with the other: a secret of global_conf interpolated
		// into a local value is masked there too.
		local, global = redact.Map(local, global), redact.Map(global, local)
	}
	conf := map[string]any{"local_conf": local, "global_conf": global}
	if runsIn != "" {
		conf["runs_in"] = runsIn
	}
	out, _ := json.MarshalIndent(conf, "", "  ")
	fmt.Fprintf(stdout, "%s\n", out)
	return 0
}

func runGraph(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var rf resolveFlags
	rf.register(fs, true)
	format := fs.String("format", "text", "output `FORMAT`: text (an indented tree), json, expr (one line), dot (Graphviz) or mermaid")
	showSecrets := fs.Bool("show-secrets", false, showSecretsUsage)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: pasteserve graph --paste FILE [--name NAME] [--kind app|filter|server] [--global k=v]... [--format text|json|expr|dot|mermaid] [--show-secrets] [--python EXE]")
		fmt.Fprintln(stderr, "\nPrints how the named object resolves: which factory makes each part, with")
		fmt.Fprintln(stderr, "what configuration, and how the parts nest. No factory is called, so files")
		fmt.Fprintln(stderr, "whose Python factories have no Go counterpart print too (marked unregistered).")
		fmt.Fprintln(stderr, "With --python, every part says whether it runs in Go or in Python (the")
		fmt.Fprintln(stderr, "part of a pipeline from its first element with no Go factory on).\n\nOptions:")
		fs.PrintDefaults()
	}
	if code := parseFlags(fs, args, &rf, stderr); code >= 0 {
		return code
	}
	switch *format {
	case "text", "json", "expr", "dot", "mermaid":
	default:
		fmt.Fprintf(stderr, "pasteserve: --format must be text, json, expr, dot or mermaid, not %q\n", *format)
		return 2
	}
	n, _, ok := rf.resolve(stderr, false)
	if !ok {
		return 1
	}
	opts := graph.Options{Registry: factory.Default, BaseDir: filepath.Dir(absPath(rf.paste)), ShowSecrets: *showSecrets, RunsIn: rf.runsIn(n)}
	switch *format {
	case "expr":
		fmt.Fprintln(stdout, graph.Expr(n, opts))
	case "dot":
		graph.WriteDot(stdout, n, opts)
	case "mermaid":
		graph.WriteMermaid(stdout, n, opts)
	case "json":
		out, _ := json.MarshalIndent(graph.JSON(n, opts), "", "  ")
		fmt.Fprintf(stdout, "%s\n", out)
	default:
		graph.WriteText(stdout, n, opts)
	}
	return 0
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
