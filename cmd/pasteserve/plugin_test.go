package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/internal/moduletest"
)

// A custom main that forgot the built-ins' import (it imports filters,
// which registers nothing): serve refuses the bundled example, and says
// which import is missing, not which registered name is nearest.
func TestServeNamesMissingImport(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds a binary of its own")
	}
	example, err := os.ReadFile("../../testdata/paste/example.ini")
	if err != nil {
		t.Fatal(err)
	}
	m := moduletest.New(t, "../..", map[string]string{
		"api-paste.ini": string(example),
		"echo.ini":      "[app:main]\nuse = egg:pasteserve#echo\n",
		"main.go": `package main

import (
	"net/http"
	"os"

	pasteservecmd "github.com/pasteserve/pasteserve/cmd"
	"github.com/pasteserve/pasteserve/factory"

	_ "github.com/pasteserve/pasteserve/filters"
)

// A plugin whose references are near the built-ins' the paste files name.
func init() {
	factory.Register(factory.Factory{Name: "near", Aliases: []string{"egg:Paste#urlmaps", "egg:pastserve#echo"}, Kind: factory.KindApp,
		App: func(*factory.Config) (http.Handler, error) { return http.NotFoundHandler(), nil }})
}

func main() { os.Exit(pasteservecmd.Main(os.Args[1:], os.Stdout, os.Stderr)) }
`,
	})
	bin := filepath.Join(m.Dir, "myserve")
	if out, err := m.Go(nil, "build", "-o", bin, "."); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	serve := func(paste string) string {
		cmd := exec.Command(bin, "--paste", paste, "--bind", "127.0.0.1:0", "--log-format", "json")
		cmd.Dir = m.Dir
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("serve %s: exit %v, want 1\n%s", paste, err, out)
		}
		return string(out)
	}
	for paste, want := range map[string]string{
		"api-paste.ini": `api-paste.ini:8:7: [composite:main]: no factory is registered for egg:Paste#urlmap; pasteserve's built-in factory for it is registered by package github.com/pasteserve/pasteserve/builtin: add import _ "github.com/pasteserve/pasteserve/builtin" to the main package (or the test)`,
		// The plugin's egg:pastserve#echo is near.
		"echo.ini": `echo.ini:2:7: [app:main]: no factory is registered for egg:pasteserve#echo; pasteserve's built-in factory for it is registered by package github.com/pasteserve/pasteserve/builtin: add import _ "github.com/pasteserve/pasteserve/builtin"`,
	} {
		if out := serve(paste); !strings.Contains(out, want) || strings.Contains(out, "nearest") {
			t.Errorf("serve %s: the error lacks\n%s\n%s", paste, want, out)
		}
	}
}
