package pastetest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/internal/moduletest"
)

// A plugin author's module, tried the way its author would: go test
// -update on a package that imports pastetest, one that also defines an
// -update flag of its own, and a golden test that forgot to import the
// factories its file names.
func TestPluginAuthorsModule(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs the go command on a module of its own")
	}
	example, err := os.ReadFile("../testdata/paste/example.ini")
	if err != nil {
		t.Fatal(err)
	}
	const forgot = `package plugin

import (
	"testing"

	"github.com/pasteserve/pasteserve/pastetest"
)

func TestPipelines(t *testing.T) {
	pastetest.Golden(t, "etc/api-paste.ini", "main")
}
`
	m := moduletest.New(t, "..", map[string]string{
		"etc/api-paste.ini": string(example),
		"plugin_test.go":    forgot,
		// A package with golden files of its own and its own -update.
		"own/own_test.go": `package own

import (
	"flag"
	"os"
	"testing"

	_ "github.com/pasteserve/pasteserve/builtin"
	"github.com/pasteserve/pasteserve/pastetest"
)

var update = flag.Bool("update", false, "rewrite own.golden")

func TestOwn(t *testing.T) {
	if *update {
		os.WriteFile("own.golden", []byte("updated\n"), 0o644)
	}
	pastetest.Golden(t, "../etc/api-paste.ini", "main")
}
`,
		// Built-in filters, the author's own app, no imports.
		"pipe/api.ini": "[pipeline:main]\npipeline = request_id api\n" +
			"[filter:request_id]\npaste.filter_factory = oslo_middleware:RequestId.factory\n" +
			"[app:api]\npaste.app_factory = myproject.api:app_factory\n",
		"pipe/pipe_test.go": strings.Replace(forgot, `"etc/api-paste.ini"`, `"api.ini"`, 1),
	})
	golden := filepath.Join(m.Dir, "etc/api-paste.ini.main.graph.golden")
	exists := func(path string) bool { _, err := os.Stat(path); return err == nil }

	// 1. The factories are not imported: the test fails, says which
	// import is missing, and writes no golden file, even with -update.
	out, err := m.Go(nil, "test", ".", "-update")
	for _, want := range []string{
		`etc/api-paste.ini:8:7: app egg:Paste#urlmap (built in: registered by github.com/pasteserve/pasteserve/builtin)`,
		`add to the test: import _ "github.com/pasteserve/pasteserve/builtin"`,
		`pastetest.AllowUnregistered()`,
	} {
		if err == nil || !strings.Contains(out, want) {
			t.Errorf("without the factories' import: err %v, output lacks %q:\n%s", err, want, out)
		}
	}
	if exists(golden) {
		t.Errorf("a golden file of a plan without factories was written")
	}
	out, err = m.Go(nil, "test", "./pipe")
	for _, want := range []string{
		`api.ini:4:24: filter oslo_middleware:RequestId.factory (built in: registered by github.com/pasteserve/pasteserve/builtin)`,
		`api.ini:6:21: app myproject.api:app_factory (no built-in factory: import the package that registers yours; see docs/plugins.md)`,
		`add to the test: import _ "github.com/pasteserve/pasteserve/builtin"`,
	} {
		if err == nil || !strings.Contains(out, want) {
			t.Errorf("a pipeline without the factories' imports: err %v, output lacks %q:\n%s", err, want, out)
		}
	}

	// 2. With the imports, a missing golden file names go test -update,
	// and go test -update writes it.
	m.Write("plugin_test.go", strings.Replace(forgot, `"testing"`, `"testing"

	_ "github.com/pasteserve/pasteserve/builtin"`, 1))
	if out, err := m.Go(nil, "test", "."); err == nil || !strings.Contains(out, "go test -update") {
		t.Errorf("without a golden file: err %v, want a failure that names go test -update:\n%s", err, out)
	}
	if out, err := m.Go(nil, "test", ".", "-update"); err != nil {
		t.Fatalf("go test -update: %v\n%s", err, out)
	}
	b, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "egg:Paste#urlmap (urlmap)") || strings.Contains(string(b), "unregistered") {
		t.Errorf("golden file:\n%s", b)
	}
	if out, err := m.Go(nil, "test", "."); err != nil {
		t.Errorf("go test after -update: %v\n%s", err, out)
	}
	// 3. A change fails, and the message says how to accept it.
	m.Write("etc/api-paste.ini", strings.Replace(string(example), "max_age = 3600", "max_age = 60", 1))
	if out, err := m.Go(nil, "test", "."); err == nil || !strings.Contains(out, "differs") || !strings.Contains(out, "go test -update") {
		t.Errorf("after a change: err %v, want a diff that names go test -update:\n%s", err, out)
	}
	if out, err := m.Go(nil, "test", ".", "-update"); err != nil {
		t.Fatalf("go test -update: %v\n%s", err, out)
	}

	// 4. A package with its own -update flag: no "flag redefined"
	// panic; -update sets both flags, -pastetest.update only pastetest's.
	os.Remove(filepath.Join(m.Dir, "etc/api-paste.ini.main.graph.golden"))
	own := filepath.Join(m.Dir, "own/own.golden")
	if out, err := m.Go(nil, "test", "./own", "-pastetest.update"); err != nil || exists(own) || !exists(golden) {
		t.Errorf("go test -pastetest.update with an own -update flag: err %v, own.golden written %v, pastetest golden written %v\n%s", err, exists(own), exists(golden), out)
	}
	os.Remove(golden)
	if out, err := m.Go(nil, "test", "./own", "-update"); err != nil || !exists(own) || !exists(golden) {
		t.Errorf("go test -update with an own -update flag: err %v, own.golden written %v, pastetest golden written %v\n%s", err, exists(own), exists(golden), out)
	}
	if out, err := m.Go(nil, "test", "./own", "-count=1"); err != nil {
		t.Errorf("go test with an own -update flag: %v\n%s", err, out)
	}
}
