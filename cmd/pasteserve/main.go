// Command pasteserve loads paste-deploy files (OpenStack's api-paste.ini,
// Pyramid's development.ini, Swift's proxy-server.conf) and serves the
// pipelines they describe as Go handler chains.
//
// Usage:
//
//	pasteserve check --paste FILE
//	pasteserve config --paste FILE [--name NAME] [--json]
//	pasteserve graph --paste FILE [--name NAME] [--format text|json|expr]
//
// Run "pasteserve help" for the commands and "pasteserve COMMAND --help"
// for the options of one.
package main

import (
	"fmt"
	"io"
	"os"

	_ "github.com/pasteserve/pasteserve/apps" // built-in apps and composites
)

// command is one pasteserve subcommand.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = []command{
	{"check", "parse a paste file and report every problem with its position", runCheck},
	{"config", "print the local and global configuration an object's factory gets", runConfig},
	{"graph", "print how an object resolves: factories, configuration, nesting", runGraph},
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

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
	fmt.Fprintln(w, "\nUsage:\n  pasteserve COMMAND [options]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'pasteserve COMMAND --help' for the options of a command.")
}
