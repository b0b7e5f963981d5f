package doccheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// root is the module's directory, from this package's.
const root = "../.."

// skipped are the trees that hold no public package: internal packages,
// the examples (a plugin and its main, documented in docs/plugins.md),
// the benchmark programs and test data.
var skipped = map[string]bool{"internal": true, "examples": true, "bench": true, "testdata": true}

// commands are the public packages whose API is a command line, not Go:
// they need doc comments but no Example. cmd is importable only so that
// a custom main (examples/customfilter) can run pasteserve's command
// line with its own factories; cmd/pasteserve is that main.
var commands = map[string]bool{"cmd": true, "cmd/pasteserve": true}

// pkgFiles is one package directory's parsed Go files.
type pkgFiles struct {
	dir   string // relative to root, slash-separated
	src   []*ast.File
	tests []*ast.File
}

// publicPackages parses every public package of the module.
func publicPackages(t *testing.T) []*pkgFiles {
	t.Helper()
	byDir := map[string]*pkgFiles{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (skipped[rel] || strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(rel))
		p := byDir[dir]
		if p == nil {
			p = &pkgFiles{dir: dir}
			byDir[dir] = p
		}
		if strings.HasSuffix(path, "_test.go") {
			p.tests = append(p.tests, f)
		} else {
			p.src = append(p.src, f)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []*pkgFiles
	for _, p := range byDir {
		if len(p.src) > 0 && p.dir != "." {
			pkgs = append(pkgs, p)
		}
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].dir < pkgs[j].dir })
	if len(pkgs) < 10 {
		t.Fatalf("found %d public packages under %s; is the walk broken?", len(pkgs), root)
	}
	return pkgs
}

// recvType is the name of a method's receiver type: T for T, *T, T[P]
// and *T[P].
func recvType(fd *ast.FuncDecl) string {
	e := fd.Recv.List[0].Type
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	switch x := e.(type) {
	case *ast.IndexExpr:
		e = x.X
	case *ast.IndexListExpr:
		e = x.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// undocumented lists a file's exported names that have no doc comment:
// functions, methods of exported types, types, constants and variables.
// A name in a parenthesized const, var or type group is documented by
// the group's comment, its own, or a comment at the end of its line.
func undocumented(f *ast.File) []string {
	var out []string
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() || d.Doc != nil {
				continue
			}
			if d.Recv == nil {
				out = append(out, "func "+d.Name.Name)
			} else if r := recvType(d); ast.IsExported(r) {
				out = append(out, "method "+r+"."+d.Name.Name)
			}
		case *ast.GenDecl:
			groupDoc := d.Doc != nil && d.Lparen.IsValid()
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() && s.Doc == nil && s.Comment == nil && d.Doc == nil {
						out = append(out, "type "+s.Name.Name)
					}
				case *ast.ValueSpec:
					documented := s.Doc != nil || groupDoc || (!d.Lparen.IsValid() && d.Doc != nil) || (d.Lparen.IsValid() && s.Comment != nil)
					for _, n := range s.Names {
						if n.IsExported() && !documented {
							out = append(out, d.Tok.String()+" "+n.Name)
						}
					}
				}
			}
		}
	}
	return out
}

// TestExportedNamesDocumented fails naming every exported name of a
// public package that has no doc comment, and every package without a
// package doc.
func TestExportedNamesDocumented(t *testing.T) {
	for _, p := range publicPackages(t) {
		hasPkgDoc := false
		for _, f := range p.src {
			// A command's doc starts with "Command" or its name, as go
			// doc has it; a library's with "Package name".
			if f.Doc != nil && (f.Name.Name == "main" || strings.HasPrefix(f.Doc.Text(), "Package "+f.Name.Name+" ")) {
				hasPkgDoc = true
			}
			for _, u := range undocumented(f) {
				t.Errorf("%s: %s has no doc comment", p.dir, u)
			}
		}
		if !hasPkgDoc {
			t.Errorf("%s: no package doc (a comment starting \"Package %s\" before the package clause, usually in doc.go)", p.dir, p.src[0].Name.Name)
		}
	}
}

// TestEveryPackageHasAnExample fails naming every public library
// package with no Example function in its tests: an Example is the
// package's documentation that runs.
func TestEveryPackageHasAnExample(t *testing.T) {
	for _, p := range publicPackages(t) {
		if commands[p.dir] {
			continue
		}
		found := false
		for _, f := range p.tests {
			for _, decl := range f.Decls {
				if fd, ok := decl.(*ast.FuncDecl); ok && fd.Recv == nil && strings.HasPrefix(fd.Name.Name, "Example") {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("%s: no Example in its tests (add an example_test.go; commands are listed in commands)", p.dir)
		}
	}
}

// TestCommandsExist keeps commands honest: each is a package of the
// module, so a renamed one is noticed rather than silently exempted.
func TestCommandsExist(t *testing.T) {
	for dir := range commands {
		if _, err := os.Stat(filepath.Join(root, dir)); err != nil {
			t.Errorf("commands lists %s: %v", dir, err)
		}
	}
}
