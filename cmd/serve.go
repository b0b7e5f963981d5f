package pasteservecmd

import (
	"errors"
	"flag"
	"fmt"
	"io"
	stdlog "log"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/reqlog"
	"github.com/pasteserve/pasteserve/server"
)

// stringList collects a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// serveFlags registers the serve options on fs.
//
// Every value is checked as it is parsed: a bad one is a usage error
// (exit status 2, a message that names the flag and says what it takes,
// then the usage), as a bad value in a configuration file is an error at
// its position. None is left for the server to ignore (--workers -5 used
// to serve in one process) or to reject later as if a file were wrong
// (--bind 127.0.0.1:70000 failed in listen, with exit status 1).
func serveFlags(fs *flag.FlagSet, f *server.Flags, logFormat *string) {
	f.Name, f.ServerName, f.Workers = "main", "main", -1
	fs.Var(checked{&f.Paste, nonEmpty}, "paste", "the paste-deploy `FILE` to serve (default: api_paste_config, searched for)")
	fs.Var(checked{&f.Name, nonEmpty}, "name", "the `NAME` of the app in the paste file")
	fs.Var(checked{&f.ServerName, nonEmpty}, "server-name", "the `NAME` of the paste file's [server:NAME] section to read settings from")
	fs.Var(fileList{&f.ConfigFiles}, "config-file", "an oslo.config-style `FILE` ([DEFAULT], [ssl], [paste_deploy]); repeatable, later files win")
	fs.Var(checked{&f.ConfigDir, nonEmpty}, "config-dir", "read every `DIR`/*.conf, sorted, after the --config-files")
	fs.Var(checked{&f.Bind, checkBind}, "bind", "listen on `HOST:PORT` (bind_host and bind_port; [::]:PORT for IPv6, :PORT for bind_host's address)")
	fs.Var(checked{&f.AdminBind, checkBind}, "admin-bind", "serve /metrics (Prometheus), /livez and /readyz on `HOST:PORT`, apart from the API (admin_bind; docs/metrics.md)")
	fs.Var(workersFlag{&f.Workers}, "workers", "worker `N`umber: processes sharing the socket, 0 or more (api_workers); 0 serves in this process")
	fs.Var(checked{logFormat, checkLogFormat}, "log-format", "log `FORMAT`: json or console (default: console on a terminal, json otherwise)")
	fs.BoolVar(&f.Debug, "debug", false, "log debug messages and every option with its value and source")
	fs.Var(checked{&f.Python, nonEmpty}, "python", "run the parts with no Go factory (the project's own filters and app) in Python workers, under the interpreter `EXE`, e.g. /usr/bin/python3 ([python] executable; docs/python.md)")
	fs.BoolVar(&f.Reload, "reload", false, "development only: reload, as on SIGHUP, when the paste file, a config file or a *.py file under [python] path changes")
}

// checked is a string flag whose value check accepts.
type checked struct {
	p     *string
	check func(string) error
}

func (c checked) String() string {
	if c.p == nil {
		return ""
	}
	return *c.p
}

func (c checked) Set(v string) error {
	if err := c.check(v); err != nil {
		return err
	}
	*c.p = v
	return nil
}

// nonEmpty rejects an empty value: --name= would otherwise mean the
// default, and --paste= a search, without a word.
func nonEmpty(v string) error {
	if v == "" {
		return errors.New("must not be empty")
	}
	return nil
}

// checkBind takes HOST:PORT, [IPv6]:PORT or :PORT, with a port from 0
// (pick a free one) to 65535. The host is resolved when the server
// binds.
func checkBind(v string) error {
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return errors.New("want HOST:PORT, [IPv6]:PORT or :PORT")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q: want a number from 0 (any free port) to 65535", port)
	}
	return nil
}

func checkLogFormat(v string) error {
	if v != "json" && v != "console" {
		return errors.New("want json or console")
	}
	return nil
}

// fileList is the repeatable --config-file.
type fileList struct{ p *[]string }

func (l fileList) String() string {
	if l.p == nil {
		return ""
	}
	return strings.Join(*l.p, ",")
}

func (l fileList) Set(v string) error {
	if err := nonEmpty(v); err != nil {
		return err
	}
	*l.p = append(*l.p, v)
	return nil
}

// workersFlag is --workers: a whole number, 0 or more. Not given, it is
// -1, and api_workers decides.
type workersFlag struct{ p *int }

func (w workersFlag) String() string {
	if w.p == nil || *w.p < 0 {
		return ""
	}
	return strconv.Itoa(*w.p)
}

func (w workersFlag) Set(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return errors.New("want a whole number of worker processes, 0 or more (0 serves in this process)")
	}
	*w.p = n
	return nil
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

With --python EXE, each pipeline is split at its first element that has
no Go factory: Go runs the elements in front of it, and that element and
everything after it are loaded by PasteDeploy in Python workers (gunicorn)
that pasteserve starts before it listens, reloads on SIGHUP and stops
after Go has drained. docs/python.md explains it, with the [python]
options. --reload is for development: it reloads on every save.

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
	log, logOut, err := newLogger(stderr, logFormat, f.Debug)
	if err != nil {
		fmt.Fprintf(stderr, "pasteserve: %v\n", err)
		return 2
	}
	// Code that logs through the standard library's log package (such as
	// httputil.ReverseProxy) joins the same stream while serving.
	defer func(w io.Writer, flags int) { stdlog.SetOutput(w); stdlog.SetFlags(flags) }(stdlog.Writer(), stdlog.Flags())
	stdlog.SetFlags(0)
	stdlog.SetOutput(server.NewErrorLog(log, "log").Writer())
	err = server.Run(f, log, factory.Default)
	// Run has drained: every line it logged goes out before the process
	// ends, or prints anything of its own. Lines logged from now on go
	// straight to stderr.
	if cerr := logOut.Close(); cerr != nil {
		fmt.Fprintf(stderr, "pasteserve: %v\n", cerr)
	}
	if err != nil {
		printError(stderr, err, nil)
		log.Error().Str("error", firstLine(err.Error())).Msg("exiting")
		return 1
	}
	return 0
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// newLogger makes the process logger: JSON, or a console writer when
// asked or when stderr is a terminal. The console writer colours only a
// terminal (and not with NO_COLOR set): --log-format console into a file
// or a pipe must not fill it with ANSI escapes.
//
// The logger writes through a server.LogWriter, which writes to w off
// the request path (the console writer, which parses each line, runs on
// its goroutine too); the caller closes it when the server has stopped.
func newLogger(w io.Writer, format string, debugLevel bool) (zerolog.Logger, *server.LogWriter, error) {
	terminal := false
	if f, ok := w.(*os.File); ok {
		terminal = isatty.IsTerminal(f.Fd())
	}
	if format == "" {
		format = "json"
		if terminal {
			format = "console"
		}
	}
	var render func(io.Writer) io.Writer
	switch format {
	case "json":
	case "console":
		noColor := !terminal || os.Getenv("NO_COLOR") != ""
		render = func(out io.Writer) io.Writer {
			return zerolog.ConsoleWriter{Out: out, TimeFormat: time.RFC3339, NoColor: noColor}
		}
	default:
		return zerolog.Logger{}, nil, fmt.Errorf("--log-format must be json or console, not %q", format)
	}
	level := zerolog.InfoLevel
	if debugLevel {
		level = zerolog.DebugLevel
	}
	out := server.NewLogWriter(w, render)
	// reqlog.Timestamp is zerolog's Timestamp, formatting each second once.
	log := zerolog.New(out).Level(level).Hook(reqlog.Timestamp{}).With().Str("service", "pasteserve").Logger()
	out.ReportDropsTo(log)
	return log, out, nil
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
