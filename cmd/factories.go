package pasteservecmd

import (
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/pasteserve/pasteserve/factory"
)

func runFactories(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("factories", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: pasteserve factories")
		fmt.Fprintln(stderr, "\nLists the factories compiled into this binary: Go name, kind, the Go module")
		fmt.Fprintln(stderr, "(and version) that provides it, and the references paste files can use.")
	}
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		if err == flag.ErrHelp {
			return 0
		}
		fs.Usage()
		return 2
	}
	mods := modules()
	for _, f := range factory.Default.Factories() {
		fmt.Fprintf(stdout, "%-20s %-9s %s\n", f.Name, f.Kind, provider(f, mods))
		refs := append([]string{f.Reference()}, f.Aliases...)
		fmt.Fprintf(stdout, "    %s\n", strings.Join(refs, "\n    "))
	}
	return 0
}

// modules maps module paths to versions from the binary's build info.
func modules() map[string]string {
	out := map[string]string{}
	if bi, ok := debug.ReadBuildInfo(); ok {
		out[bi.Main.Path] = bi.Main.Version
		for _, d := range bi.Deps {
			out[d.Path] = d.Version
		}
	}
	return out
}

// provider names the Go package of f's function and the version of the
// module it belongs to, like caddy list-modules.
func provider(f *factory.Factory, mods map[string]string) string {
	pkg := f.Package()
	best := ""
	for m := range mods {
		if (pkg == m || strings.HasPrefix(pkg, m+"/")) && len(m) > len(best) {
			best = m
		}
	}
	if best == "" {
		return pkg
	}
	return pkg + " " + mods[best]
}
