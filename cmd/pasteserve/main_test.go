package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCheckExample(t *testing.T) {
	code, out, errOut := runCLI(t, "check", "--paste", "../../testdata/paste/example.ini")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	for _, want := range []string{"9 sections, no problems found", "7:1     [composite:main] (4 keys)", "[pipeline:api_v1]"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCheckReportsEveryErrorWithPosition(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.ini")
	src := "[app:main]\nuse = egg:X\nno delimiter here\n[app:main]\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "check", "--paste", path)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if out != "" {
		t.Errorf("stdout should be empty on error, got:\n%s", out)
	}
	for _, want := range []string{
		path + ":3:1: line has no '=' or ':'",
		"    3 | no delimiter here\n      | ^\n",
		path + ":4:2: section [app:main] is defined twice",
		path + ": 2 problem(s)",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	if code, _, errOut := runCLI(t, "check"); code != 2 || !strings.Contains(errOut, "Usage: pasteserve check --paste FILE") {
		t.Errorf("check without --paste: exit %d, stderr:\n%s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, stderr:\n%s", code, errOut)
	}
	if code, out, _ := runCLI(t, "--help"); code != 0 || !strings.Contains(out, "check") {
		t.Errorf("--help: exit %d, stdout:\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, "check", "--paste", "does-not-exist.ini"); code != 1 || !strings.Contains(errOut, "does-not-exist.ini") {
		t.Errorf("missing file: exit %d, stderr:\n%s", code, errOut)
	}
}
