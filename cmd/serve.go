package pasteservecmd

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/loader"
	"github.com/pasteserve/pasteserve/server"
)

// stringList collects a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// serveFlags registers the serve options on fs.
func serveFlags(fs *flag.FlagSet, f *server.Flags, logFormat *string) {
	fs.StringVar(&f.Paste, "paste", "", "the paste-deploy `FILE` to serve (default: api_paste_config, searched for)")
	fs.StringVar(&f.Name, "name", "main", "the `NAME` of the app in the paste file")
	fs.StringVar(&f.ServerName, "server-name", "main", "the `NAME` of the paste file's [server:NAME] section to read settings from")
	fs.Var((*stringList)(&f.ConfigFiles), "config-file", "an oslo.config-style `FILE` ([DEFAULT], [ssl], [paste_deploy]); repeatable, later files win")
	fs.StringVar(&f.ConfigDir, "config-dir", "", "read every `DIR`/*.conf, sorted, after the --config-files")
	fs.StringVar(&f.Bind, "bind", "", "listen on `HOST:PORT` (bind_host and bind_port; [::]:PORT for IPv6)")
	fs.IntVar(&f.Workers, "workers", -1, "worker `N`umber: processes sharing the socket (api_workers); 0 serves in this process")
	fs.StringVar(logFormat, "log-format", "", "log as json or console (default: console on a terminal, json otherwise)")
	fs.BoolVar(&f.Debug, "debug", false, "log debug messages and every option with its value and source")
}

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f server.Flags
	var logFormat string
	serveFlags(fs, &f, &logFormat)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: pasteserve [serve] --paste FILE [options]")
		fmt.Fprintln(stderr, `
Serves the app NAME of the paste file until SIGTERM (drain, then exit) or
SIGINT (drain briefly). SIGHUP re-reads the configuration and paste files
and swaps in the rebuilt pipeline; if they are broken, the old one keeps
serving. Settings come from, lowest precedence first: built-in defaults,
the paste file's [server:NAME] section, --config-file/--config-dir files,
flags. docs/server.md lists every setting.

Options:`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pasteserve: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	log, err := newLogger(stderr, logFormat, f.Debug)
	if err != nil {
		fmt.Fprintf(stderr, "pasteserve: %v\n", err)
		return 2
	}
	if err := server.Run(f, log, loader.Default); err != nil {
		printServeError(stderr, err)
		log.Error().Str("error", firstLine(err.Error())).Msg("exiting")
		return 1
	}
	return 0
}

// printServeError prints an error with source excerpts where it has
// positions.
func printServeError(w io.Writer, err error) {
	var se *server.SourceError
	var files []*dsl.File
	if errors.As(err, &se) {
		files = se.Files
	}
	var ds dsl.Diagnostics
	if errors.As(err, &ds) {
		ds.Write(w, files...)
		return
	}
	fmt.Fprintf(w, "pasteserve: %v\n", err)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// newLogger makes the process logger: JSON, or a console writer when
// asked or when stderr is a terminal.
func newLogger(w io.Writer, format string, debugLevel bool) (zerolog.Logger, error) {
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
			format = "console"
		}
	}
	var out io.Writer
	switch format {
	case "json":
		out = w
	case "console":
		out = zerolog.ConsoleWriter{Out: w, TimeFormat: time.RFC3339}
	default:
		return zerolog.Logger{}, fmt.Errorf("--log-format must be json or console, not %q", format)
	}
	level := zerolog.InfoLevel
	if debugLevel {
		level = zerolog.DebugLevel
	}
	return zerolog.New(out).Level(level).With().Timestamp().Str("service", "pasteserve").Logger(), nil
}

// version returns the module version this binary was built from.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		v := bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " (" + s.Value[:12] + ")"
			}
		}
		return v
	}
	return "unknown"
}
