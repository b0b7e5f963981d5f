package factory

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"github.com/pasteserve/pasteserve/plan"
)

// builtinText lists every reference that pasteserve's built-in factories
// answer to, with the package that registers it, one per line:
//
//	app|filter <reference as the registry keys it> <package path>
//
// It lets a binary or test that lacks the blank import say which import
// is missing, without importing (and so registering) the built-ins. The
// file is generated from the registry by go test ./factory -update, and a
// test fails when it no longer matches the built-in factories.
//
//go:embed builtin.txt
var builtinText string

// BuiltinPackages are the packages that register pasteserve's built-in
// factories: package builtin registers every one of them, and the
// packages of the filters and apps register nothing themselves.
var BuiltinPackages = []string{
	"github.com/pasteserve/pasteserve/builtin",
}

var builtins = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(builtinText, "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && !strings.HasPrefix(line, "#") {
			m[f[0]+" "+f[1]] = f[2]
		}
	}
	return m
})

// BuiltinPackage returns the package that registers pasteserve's built-in
// factory for ref as an object of type t, or "" when no built-in answers
// to ref.
func BuiltinPackage(ref string, t plan.ObjectType) string {
	return builtins()[builtinKey(ref, t)]
}

func builtinKey(ref string, t plan.ObjectType) string { return t.String() + " " + refKey(ref) }

// importHint says what to do about a reference that has no factory in
// Default: the blank import of the package that registers pasteserve's
// built-in factory for it, or "" when no built-in answers to ref.
func importHint(ref string, t plan.ObjectType) string {
	if pkg := BuiltinPackage(ref, t); pkg != "" {
		return fmt.Sprintf("pasteserve's built-in factory for it is registered by package %s: add import _ %q to the main package (or the test)", pkg, pkg)
	}
	return ""
}
