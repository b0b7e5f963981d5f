package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/pasteserve/pasteserve/dsl"
)

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	paste := fs.String("paste", "", "the paste-deploy `FILE` to check (required)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: pasteserve check --paste FILE")
		fmt.Fprintln(stderr, "\nParses FILE and lists its sections, or prints every problem as")
		fmt.Fprintln(stderr, "file:line:col with the source line, and exits 1.\n\nOptions:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *paste == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	f, err := dsl.ParseFile(*paste)
	var ds dsl.Diagnostics
	switch {
	case errors.As(err, &ds):
		ds.Write(stderr, f)
		fmt.Fprintf(stderr, "%s: %d problem(s)\n", *paste, len(ds))
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "pasteserve: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %d sections, no problems found\n", *paste, len(f.Sections))
	for _, s := range f.Sections {
		fmt.Fprintf(stdout, "  %-7s [%s] (%d keys)\n", fmt.Sprintf("%d:%d", s.Pos.Line, s.Pos.Column), s.Header, len(s.Entries))
	}
	return 0
}
