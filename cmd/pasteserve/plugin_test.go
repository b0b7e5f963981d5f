package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/internal/moduletest"
)

// A custom main that forgot the built-in apps' import: serve refuses the
// bundled example, and says which import is missing, not which
// registered name is nearest.
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
	"os"

	pasteservecmd "github.com/pasteserve/pasteserve/cmd"

	_ "github.com/pasteserve/pasteserve/filters"
)

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
		"api-paste.ini": `api-paste.ini:8:7: [composite:main]: no factory is registered for egg:Paste#urlmap; pasteserve's built-in factory for it is registered by package github.com/pasteserve/pasteserve/apps: add import _ "github.com/pasteserve/pasteserve/apps" to the main package (or the test)`,
		// egg:pasteserve#healthcheck (an app in filters) is near.
		"echo.ini": `echo.ini:2:7: [app:main]: no factory is registered for egg:pasteserve#echo; pasteserve's built-in factory for it is registered by package github.com/pasteserve/pasteserve/apps: add import _ "github.com/pasteserve/pasteserve/apps"`,
	} {
		if out := serve(paste); !strings.Contains(out, want) || strings.Contains(out, "nearest") {
			t.Errorf("serve %s: the error lacks\n%s\n%s", paste, want, out)
		}
	}
}
