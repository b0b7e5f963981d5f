package pasteservecmd

import (
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
)

func runFactories(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("factories", flag.ContinueOnError)
	fs.SetOutput(stderr)
	optionsOf := fs.String("options", "", "print the options of the factory `NAME` (a Go name or any reference it answers to)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: pasteserve factories [--options NAME]")
		fmt.Fprintln(stderr, "\nLists the factories compiled into this binary: Go name, kind, the Go module")
		fmt.Fprintln(stderr, "(and version) that provides it, and the references paste files can use.")
		fmt.Fprintln(stderr, "With --options NAME, prints the options of the factories of that name or")
		fmt.Fprintln(stderr, "reference instead: name (and aliases, deprecated names), type, default,")
		fmt.Fprintln(stderr, "option group, and what it is for.")
		fmt.Fprintln(stderr, "\nOptions:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		if err == flag.ErrHelp {
			return 0
		}
		fs.Usage()
		return 2
	}
	if *optionsOf != "" {
		return printOptions(*optionsOf, stdout, stderr)
	}
	mods := modules()
	for _, f := range factory.Default.Factories() {
		fmt.Fprintf(stdout, "%-20s %-9s %s\n", f.Name, f.Kind, provider(f, mods))
		refs := append([]string{f.Reference()}, f.Aliases...)
		fmt.Fprintf(stdout, "    %s\n", strings.Join(refs, "\n    "))
	}
	return 0
}

// factoriesNamed returns the registered factories whose Go name is name,
// or, failing that, the app and filter that reference name resolves to.
func factoriesNamed(name string) []*factory.Factory {
	var out []*factory.Factory
	for _, f := range factory.Default.Factories() {
		if f.Name == name {
			out = append(out, f)
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, t := range []plan.ObjectType{plan.TypeApp, plan.TypeFilter} {
		if f, ok := factory.Default.Lookup(name, t); ok && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// printOptions prints the option table of each factory called name: what
// its options struct says (options.Describe), so that it cannot drift
// from the code.
func printOptions(name string, stdout, stderr io.Writer) int {
	fs := factoriesNamed(name)
	if len(fs) == 0 {
		fmt.Fprintf(stderr, "pasteserve factories: no factory is called %q or answers to it (pasteserve factories lists them)\n", name)
		return 1
	}
	status := 0
	for i, f := range fs {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprintf(stdout, "%s (%s): %s\n", f.Name, f.Kind, f.Doc)
		fmt.Fprintf(stdout, "    %s\n", strings.Join(append([]string{f.Reference()}, f.Aliases...), "\n    "))
		if f.Options == nil {
			fmt.Fprintln(stdout, "Its options are not described by an options struct: see docs/filters.md, docs/apps.md or docs/auth.md.")
			continue
		}
		opts, err := f.Options()
		if err != nil {
			fmt.Fprintf(stderr, "pasteserve factories: %s: %v\n", f.Name, err)
			status = 1
			continue
		}
		if len(opts) == 0 {
			fmt.Fprintln(stdout, "No options.")
			continue
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "OPTION\tTYPE\tDEFAULT\tGROUP\tDOC")
		for _, o := range opts {
			opt := o.Name
			var other []string
			if len(o.Aliases) > 0 {
				other = append(other, "alias "+strings.Join(o.Aliases, ", "))
			}
			if len(o.Deprecated) > 0 {
				other = append(other, "deprecated "+strings.Join(o.Deprecated, ", "))
			}
			if len(other) > 0 {
				opt += " (" + strings.Join(other, "; ") + ")"
			}
			typ := o.Type
			switch {
			case o.Min != "" && o.Max != "":
				typ += " " + o.Min + " to " + o.Max
			case o.Min != "":
				typ += " >= " + o.Min
			case o.Max != "":
				typ += " <= " + o.Max
			}
			def := o.Default
			switch {
			case o.Required:
				def = "(required)"
			case def == "":
				def = "-"
			}
			group := o.Group
			if group == "" {
				group = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", opt, typ, def, group, o.Doc)
		}
		tw.Flush()
	}
	return status
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

// provider names the Go package that registered f and the version of
// the module it belongs to, like caddy list-modules.
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
