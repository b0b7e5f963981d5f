package loader_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/graph"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/resolve"
)

// The differential test runs the real PasteDeploy (Debian's
// python3-pastedeploy, through testdata/oracle/pastedeploy_oracle.py with
// stub factories) and pasteserve on the same files and compares what
// appconfig returns (mode config) and what loadapp builds (mode expr).

const python = "/usr/bin/python3"

type oracleRequest struct {
	ID     int               `json:"id"`
	File   string            `json:"file"`
	Name   string            `json:"name"`
	Kind   string            `json:"kind"`
	Mode   string            `json:"mode"`
	Global map[string]string `json:"global,omitempty"`
}

type oracleResult struct {
	ID     int               `json:"id"`
	Local  map[string]string `json:"local_conf"`
	Global map[string]string `json:"global_conf"`
	Expr   string            `json:"expr"`
	Calls  []struct {
		Ref   string            `json:"ref"`
		Local map[string]string `json:"local_conf"`
	} `json:"calls"`
	Error *struct{ Type, Message string } `json:"error"`
	raw   string
}

// runOracle sends every request to one oracle process and returns the
// results in order.
func runOracle(t *testing.T, reqs []oracleRequest) []oracleResult {
	t.Helper()
	if _, err := os.Stat(python); err != nil {
		t.Skipf("differential test skipped: %s not found (install Debian's python3-pastedeploy and python3-paste; .ci/run does)", python)
	}
	if err := exec.Command(python, "-c", "import paste.deploy").Run(); err != nil {
		t.Skipf("differential test skipped: %s cannot import paste.deploy (apt-get install python3-pastedeploy python3-paste; .ci/run does): %v", python, err)
	}
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, r := range reqs {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(python, "testdata/oracle/pastedeploy_oracle.py", "--batch")
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("oracle: %v\n%s", err, stderr.String())
	}
	var results []oracleResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var r oracleResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("oracle output %q: %v", sc.Text(), err)
		}
		r.raw = sc.Text()
		results = append(results, r)
	}
	if len(results) != len(reqs) {
		t.Fatalf("oracle answered %d of %d requests\n%s", len(results), len(reqs), stderr.String())
	}
	return results
}

// deliberate lists where pasteserve differs from PasteDeploy on purpose
// (docs/compat.md): for a spec file and mode, what PasteDeploy shows
// (a substring of the oracle's answer) and what pasteserve gives instead.
var deliberate = map[string]struct {
	quirk    string
	python   string // substring of the oracle's JSON answer
	goExpr   string // pasteserve's Expr, or
	goErr    string // a substring of pasteserve's error, or
	goLocalK string // a local key, with
	goLocalV string // the value pasteserve gives the factory
}{
	"w07.ini expr":   {quirk: "Q1", python: "<composed-filter>", goExpr: "egg:ProbeApp#f2(egg:ProbeApp#f1(egg:ProbeApp#app))"},
	"w11.ini expr":   {quirk: "Q2", python: `"override": "from-base"`, goLocalK: "override", goLocalV: "from-main"},
	"x09.ini config": {quirk: "Q3", python: "InterpolationSyntaxError", goLocalK: "r", goLocalV: "100%"},
	"x09.ini expr":   {quirk: "Q3", python: "InterpolationSyntaxError", goExpr: "egg:ProbeApp#inc"},
	"x04.ini expr":   {quirk: "Q5", python: "egg:ProbeApp#outer", goExpr: "egg:Paste#urlmap{/=egg:ProbeApp#inner}"},
	"u04.ini config": {quirk: "Q6", python: "RecursionError", goErr: "reference cycle: app:a -> app:b -> app:a"},
	"u04.ini expr":   {quirk: "Q6", python: "RecursionError", goErr: "reference cycle: app:a -> app:b -> app:a"},
	"p11.ini config": {quirk: "Q7", python: "LookupError", goExpr: "egg:ProbeApp#bare"},
	"p11.ini expr":   {quirk: "Q7", python: "LookupError", goExpr: "egg:ProbeApp#bare"},
}

type diffCase struct {
	file, name string
	global     map[string]string
}

func differentialCases(t *testing.T) []diffCase {
	var cases []diffCase
	// Every app section of every corpus file that parses.
	err := filepath.WalkDir(corpusDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".golden") || strings.HasSuffix(path, ".tsv") {
			return err
		}
		f, err := dsl.ParseFile(path)
		if err != nil {
			return nil
		}
		for _, s := range f.Sections {
			if name, ok := s.Name(); ok && isApp(s) {
				cases = append(cases, diffCase{file: path, name: name})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The spec's examples, some with a caller's global configuration.
	spec, _ := filepath.Glob("testdata/spec/*.ini")
	sort.Strings(spec)
	for _, path := range spec {
		cases = append(cases, diffCase{file: path, name: "main"})
	}
	cases = append(cases,
		diffCase{file: "testdata/spec/g13.ini", name: "main", global: map[string]string{"def2": "API", "inherit": "bazbar", "shadow": "g"}},
		diffCase{file: "testdata/spec/selector.ini", name: "main", global: map[string]string{"auth_strategy": "noauth"}},
		diffCase{file: "testdata/spec/k02.ini", name: "comp"},
	)
	return cases
}

func TestDifferentialPasteDeploy(t *testing.T) {
	cases := differentialCases(t)
	var reqs []oracleRequest
	for _, c := range cases {
		abs, _ := filepath.Abs(c.file)
		for _, mode := range []string{"config", "expr"} {
			reqs = append(reqs, oracleRequest{ID: len(reqs), File: abs, Name: c.name, Kind: "app", Mode: mode, Global: c.global})
		}
	}
	results := runOracle(t, reqs)
	var same, diff, bothErr int
	for i, req := range reqs {
		c := cases[i/2]
		py := results[i]
		label := strings.TrimPrefix(c.file, corpusDir+"/") + "#" + c.name + " " + req.Mode
		if len(c.global) > 0 {
			label += " " + strings.ReplaceAll(strings.Trim(strings.Join(strings.Fields(strings.Trim(sprintMap(c.global), "{}")), ","), ","), " ", "")
		}
		t.Run(label, func(t *testing.T) {
			// appconfig does not look at composite children.
			r := &resolve.Resolver{Registry: factory.Default, SkipChildren: req.Mode == "config"}
			n, err := r.Resolve(c.file, c.name, plan.TypeApp, c.global)
			if d, ok := deliberate[filepath.Base(c.file)+" "+req.Mode]; ok && len(c.global) == 0 {
				diff++
				if !strings.Contains(py.raw, d.python) {
					t.Fatalf("%s: expected PasteDeploy to show %q, got %s", d.quirk, d.python, py.raw)
				}
				switch {
				case d.goErr != "":
					if err == nil || !strings.Contains(err.Error(), d.goErr) {
						t.Fatalf("%s: pasteserve should report %q, got %v", d.quirk, d.goErr, err)
					}
				case err != nil:
					t.Fatalf("%s: pasteserve: %v", d.quirk, err)
				case d.goExpr != "" && graph.Expr(n) != d.goExpr:
					t.Fatalf("%s: pasteserve builds %s, want %s", d.quirk, graph.Expr(n), d.goExpr)
				case d.goLocalK != "" && leaf(n).Local[d.goLocalK] != d.goLocalV:
					t.Fatalf("%s: pasteserve gives %s = %q, want %q", d.quirk, d.goLocalK, leaf(n).Local[d.goLocalK], d.goLocalV)
				}
				t.Logf("deliberate difference %s (docs/compat.md): PasteDeploy shows %q", d.quirk, d.python)
				return
			}
			switch {
			case py.Error != nil && err != nil:
				bothErr++
				return
			case py.Error != nil:
				t.Fatalf("PasteDeploy: %s: %s\npasteserve succeeded: %s", py.Error.Type, py.Error.Message, graph.Expr(n))
			case err != nil:
				t.Fatalf("PasteDeploy succeeded (%s)\npasteserve: %v", py.raw, err)
			}
			same++
			if req.Mode == "expr" {
				if got := graph.Expr(n); got != py.Expr {
					t.Errorf("structure differs\nPasteDeploy: %s\npasteserve:  %s", py.Expr, got)
				}
				return
			}
			l := leaf(n)
			if diff := cmp.Diff(py.Local, l.Local, cmpEmpty); diff != "" {
				t.Errorf("local_conf (-PasteDeploy +pasteserve):\n%s", diff)
			}
			if diff := cmp.Diff(py.Global, l.Global, cmpEmpty); diff != "" {
				t.Errorf("global_conf (-PasteDeploy +pasteserve):\n%s", diff)
			}
		})
	}
	t.Logf("%d cases: %d agree, %d both rejected, %d deliberate differences", len(reqs), same, bothErr, diff)
}

// cmpEmpty treats a nil map and an empty one as equal.
var cmpEmpty = cmp.Transformer("nonNil", func(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
})

// leaf returns the node whose factory gets the section's configuration:
// a filter-with wrapper carries none of its own.
func leaf(n *plan.Node) *plan.Node {
	for n.Kind == plan.NodeFilterWith {
		n = n.App
	}
	return n
}

func sprintMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k+"="+m[k])
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}
