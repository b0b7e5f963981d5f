package builtin_test

import (
	"slices"
	"strings"
	"testing"

	_ "github.com/pasteserve/pasteserve/builtin"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/internal/moduletest"
)

// A Go program that imports the packages of the built-ins, to use them
// as plain Go middleware and handlers, gets no registry: they register
// nothing, package builtin does.
func TestFactoryPackagesRegisterNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs the go command on a module of its own")
	}
	m := moduletest.New(t, "..", map[string]string{"main.go": `package main

import (
	"fmt"

	"github.com/pasteserve/pasteserve/factory"

	_ "github.com/pasteserve/pasteserve/apps"
	_ "github.com/pasteserve/pasteserve/filters"
	_ "github.com/pasteserve/pasteserve/tokenauth"
)

func main() {
	for _, f := range factory.Default.Factories() {
		fmt.Println(f.Kind, f.Name, f.Package())
	}
	fmt.Println("factories:", len(factory.Default.Factories()))
}
`})
	out, err := m.Go(nil, "run", ".")
	if err != nil {
		t.Fatalf("go run: %v\n%s", err, out)
	}
	if !strings.Contains(out, "factories: 0\n") {
		t.Errorf("importing apps, filters and tokenauth registers factories:\n%s", out)
	}
}

// Every built-in is registered by this package, under
// egg:pasteserve#NAME; the factories made from an options struct
// describe their options without a malformed tag, and read exactly the
// groups their options name. The registry's groups are oslo's.
func TestBuiltins(t *testing.T) {
	fs := factory.Default.Factories()
	if len(fs) < 38 {
		t.Fatalf("%d factories registered", len(fs))
	}
	for _, f := range fs {
		if pkg := f.Package(); pkg != "github.com/pasteserve/pasteserve/builtin" {
			t.Errorf("%s %s is registered by %s", f.Kind, f.Name, pkg)
		}
		if f.Doc == "" {
			t.Errorf("%s %s has no Doc", f.Kind, f.Name)
		}
		if f.Options == nil {
			continue
		}
		opts, err := f.Options()
		if err != nil {
			t.Errorf("%s %s: %v", f.Kind, f.Name, err)
			continue
		}
		var groups []string
		for _, o := range opts {
			if o.Doc == "" {
				t.Errorf("%s %s: option %s has no doc", f.Kind, f.Name, o.Name)
			}
			if o.Group != "" && !slices.Contains(groups, o.Group) {
				groups = append(groups, o.Group)
			}
		}
		slices.Sort(groups)
		if !slices.Equal(groups, f.Groups) {
			t.Errorf("%s %s: Groups %q, but its options read %q", f.Kind, f.Name, f.Groups, groups)
		}
	}
	if got, want := factory.Default.Groups(), []string{"cors", "healthcheck", "keystone_authtoken", "oslo_middleware"}; !slices.Equal(got, want) {
		t.Errorf("Groups() = %q, want %q", got, want)
	}
}
