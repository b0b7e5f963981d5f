// Package moduletest runs the go command on a small module of a plugin
// author's, written by a test, that requires this repository's module
// (through a replace directive pointing at the checkout): to try
// pasteserve the way a plugin author uses it, with their own test
// binaries and main packages.
//
// It works offline: GOPROXY=off, so every module must already be in the
// module cache, as it is once this repository's own packages are built.
package moduletest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Module is a temporary module, example.com/plugin, that requires
// github.com/pasteserve/pasteserve from the checkout.
type Module struct {
	t   testing.TB
	Dir string
}

// New writes a module with files (path -> content, paths relative to the
// module root) in a temporary directory. root is this repository's root
// as a path relative to the test's directory ("..", "../..").
func New(t testing.TB, root string, files map[string]string) *Module {
	t.Helper()
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(abs, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(abs, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	// The module requires what this one requires, at the same versions,
	// as go mod tidy would write it: with a pruned module graph the go
	// command then needs no go.mod file that is not in the cache.
	rest := regexp.MustCompile(`(?s)\ngo [^\n]*\n.*`).Find(gomod)
	m := &Module{t: t, Dir: t.TempDir()}
	m.Write("go.mod", "module example.com/plugin\n"+string(rest)+"\n"+
		"require github.com/pasteserve/pasteserve v0.0.0\n\n"+
		"replace github.com/pasteserve/pasteserve => "+abs+"\n")
	m.Write("go.sum", string(sum))
	for name, content := range files {
		m.Write(name, content)
	}
	return m
}

// Write writes (or replaces) a file of the module.
func (m *Module) Write(name, content string) {
	m.t.Helper()
	path := filepath.Join(m.Dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		m.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		m.t.Fatal(err)
	}
}

// Go runs the go command with args in the module's directory, with env
// added to the environment, for at most three minutes, and returns its
// combined output and error.
func (m *Module) Go(env []string, args ...string) (string, error) {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = m.Dir
	// The caller's own PASTETEST_UPDATE and GOFLAGS must not leak in.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PASTETEST_UPDATE=") && !strings.HasPrefix(kv, "GOFLAGS=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	cmd.Env = append(cmd.Env, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		m.t.Fatalf("go %s: no result within three minutes\n%s", strings.Join(args, " "), out.String())
	}
	if strings.Contains(out.String(), "module lookup disabled by GOPROXY=off") {
		m.t.Fatalf("go %s: a module is not in the module cache (build this repository's packages first, e.g. go build ./...):\n%s", strings.Join(args, " "), out.String())
	}
	return out.String(), err
}
