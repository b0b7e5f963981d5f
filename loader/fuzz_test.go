package loader

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pasteserve/pasteserve/build"
	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/graph"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/resolve"
)

// fuzzSeeds are paste texts that reach every construct: use, pipelines,
// filter-with, filter-app, composites, config: references to the second
// file, interpolation, [DEFAULT], set, get, cycles.
var fuzzSeeds = []string{
	"[app:main]\nuse = egg:pasteserve#app\n",
	"[DEFAULT]\nx = 1\n[pipeline:main]\npipeline = f1 f2 app\n[filter:f1]\nuse = egg:pasteserve#filter\na_int = %(x)s\n[filter:f2]\npaste.filter_factory = fuzz:filter\n[app:app]\nuse = egg:pasteserve#app\nfilter-with = f1\n",
	"[composite:main]\nuse = egg:Paste#urlmap\n/ = app\n/v1 = config:other.ini#other\nfilter = f\n[app:app]\nuse = egg:pasteserve#app\nset x = 2\nget y = x\n[filter:f]\nuse = egg:pasteserve#filter\nfail = no\n",
	"[filter-app:main]\nuse = egg:pasteserve#filter\nnext = app\n[app:app]\nuse = config:other.ini\n\x00[app:main]\nuse = egg:pasteserve#app\n[app:other]\nuse = main\nt_time = 5\nb_bool = maybe\n",
	"[app:main]\nuse = main\n",
	"[app:main]\nuse = egg:pasteserve#nil-app\n[pipeline:p]\npipeline = egg:pasteserve#failing-filter main\n",
	"[app]\nuse = egg:pasteserve#app\n[app:main]\nuse = call:fuzz:app\n",
	"[DEFAULT]\nhere = %(here)s/x\nv = %(v)s\n[app:main]\nuse = egg:pasteserve#app\nk = %(v)s\ngroup.group_int = x\n",
}

// FuzzResolveBuild feeds arbitrary paste text through resolution and
// build with stub factories. A NUL byte splits the input into the main
// file and other.ini, which config: references can reach. Whatever the
// text, loading must not panic or hang, and every error must be
// positioned: a non-empty dsl.Diagnostics whose every entry has a file,
// a line and a column. The one exception is an error about the object
// asked for itself ("no app named main"), which no line of the file
// wrote: it names the main file alone.
func FuzzResolveBuild(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	reg := fuzzRegistry()
	// One directory for the whole run: each worker process calls the
	// function one input at a time, and a directory per input would make
	// the run mostly file-system work.
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, src []byte) {
		main, other, _ := bytes.Cut(src, []byte{0})
		for name, text := range map[string][]byte{"api.ini": main, "other.ini": other} {
			if err := os.WriteFile(filepath.Join(dir, name), text, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		done := make(chan error, 1)
		go func() {
			r := &resolve.Resolver{Registry: reg}
			n, err := r.Resolve(filepath.Join(dir, "api.ini"), "main", plan.TypeApp, map[string]string{"group.group_int": "3"})
			if err == nil {
				// Printing a plan must not panic either.
				var b strings.Builder
				graph.WriteText(&b, n, graph.Options{Registry: reg, BaseDir: dir})
				graph.Expr(n)
				_, err = build.Handler(n, reg)
			} else if ds, ok := err.(dsl.Diagnostics); ok {
				// A plan as far as it resolved is checked, as
				// pasteserve check does: its nil parts must not
				// panic, and its errors are positioned too.
				plan.Walk(n, func(*plan.Node) {})
				var more dsl.Diagnostics
				errors.As(build.Check(n, reg, false), &more)
				err = append(ds, more...)
			}
			done <- err
		}()
		var err error
		select {
		case err = <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("loading did not finish within 10 s:\n%q", src)
		}
		if err == nil {
			return
		}
		var ds dsl.Diagnostics
		if !errors.As(err, &ds) || len(ds) == 0 {
			t.Fatalf("error without a position (%T): %v\ninput: %q", err, err, src)
		}
		for _, d := range ds {
			wholeFile := d.Pos.Line == 0 && d.Pos.Column == 0 && filepath.Base(d.Pos.Filename) == "api.ini"
			if !wholeFile && (d.Pos.Filename == "" || d.Pos.Line < 1 || d.Pos.Column < 1) {
				t.Fatalf("diagnostic without a full position (%+v): %s\ninput: %q", d.Pos, d.Msg, src)
			}
		}
	})
}
