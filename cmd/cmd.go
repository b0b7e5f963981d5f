// Package pasteservecmd is the pasteserve command line, importable so
// that a custom pasteserve with more factories is a three-line main: see
// cmd/pasteserve/main.go, and docs/plugins.md.
//
// Usage:
//
//	pasteserve [serve] --paste FILE [--config-file F]... [--bind HOST:PORT] [--admin-bind HOST:PORT] [--workers N]
//	pasteserve check --paste FILE
//	pasteserve config --paste FILE [--name NAME]
//	pasteserve graph --paste FILE [--name NAME] [--format text|json|expr|dot|mermaid]
//	pasteserve factories [--options NAME]
//
// Run "pasteserve help" for the commands and "pasteserve COMMAND --help"
// for the options of one.
package pasteservecmd

import (
	"fmt"
	"io"
	"strings"
)

// command is one pasteserve subcommand.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = []command{
	{"serve", "serve a paste pipeline over HTTP (the default command)", runServe},
	{"check", "parse a paste file and report every problem with its position", runCheck},
	{"config", "print the local and global configuration an object's factory gets", runConfig},
	{"graph", "print how an object resolves: factories, configuration, nesting", runGraph},
	{"factories", "list the factories compiled in, with the references they answer to", runFactories},
}

// Main runs the pasteserve command line args (without the program name)
// and returns the exit status: 0 on success, 1 when the paste file has
// errors, 2 for a usage mistake.
func Main(args []string, stdout, stderr io.Writer) int { return run(args, stdout, stderr) }

// run executes the command line args and returns the exit status: 0 on
// success, 1 when the paste file has errors, 2 for a usage mistake.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return 0
	case "version", "-version", "--version":
		fmt.Fprintf(stdout, "pasteserve %s\n", version())
		return 0
	}
	if strings.HasPrefix(args[0], "-") {
		// pasteserve --paste api-paste.ini: serve is the default.
		return runServe(args, stdout, stderr)
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "pasteserve: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "pasteserve loads paste-deploy files and serves the pipelines they describe.")
	fmt.Fprintln(w, "\nUsage:\n  pasteserve [serve] --paste FILE [options]\n  pasteserve COMMAND [options]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "  version    print the version")
	fmt.Fprintln(w, "\nRun 'pasteserve COMMAND --help' for the options of a command.")
}
