// Package binarytest builds a main package once for a test binary, so
// that integration tests run the real program: a TestMain calls Run,
// which builds it into a temporary directory, runs the tests and removes
// the directory.
package binarytest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Run builds the main package pkg (a path relative to the test's
// directory, such as "../../cmd/pasteserve") into a temporary directory
// as name, sets *bin to its path, runs m and returns m's exit code for
// os.Exit. A failed build is printed to standard error and returns 1:
// no test can run without the binary.
func Run(m *testing.M, pkg, name string, bin *string) int {
	dir, err := os.MkdirTemp("", name+"-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	*bin = filepath.Join(dir, name)
	build := exec.Command("go", "build", "-o", *bin, pkg)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building %s: %v\n", pkg, err)
		return 1
	}
	return m.Run()
}
