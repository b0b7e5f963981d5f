package loader

import (
	"errors"
	"net/http"
	"path/filepath"

	"github.com/pasteserve/pasteserve/build"
	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/resolve"
)

// A Set is one load of a paste file: the file and the files it includes
// with config: URIs, each read and parsed once, from which everything a
// program asks of the file is resolved: the server settings of a
// [server:] section, the app to serve, a filter, what pasteserve check
// reports. A reload is a new Set.
//
// A Set is not safe for concurrent use.
type Set struct {
	path  string
	cache *resolve.Cache
	file  *dsl.File
	err   error
}

// Open reads and parses the paste file at path. With an error it still
// returns the Set, whose File is the file as far as it parsed (nil when
// it could not be read) and whose Err is that error: resolving from the
// Set then fails with the same error, without reading the file again.
func Open(path string) (*Set, error) {
	s := &Set{path: path, cache: &resolve.Cache{}}
	s.file, s.err = s.cache.Open(path, dsl.Pos{Filename: path})
	return s, s.err
}

// Path returns the path the Set was opened with.
func (s *Set) Path() string { return s.path }

// File returns the paste file as parsed: the copy whose sections the
// Set's resolvers report as visited (see resolve.Resolver.Visited).
func (s *Set) File() *dsl.File { return s.file }

// Err returns the error Open met, or nil.
func (s *Set) Err() error { return s.err }

// Files returns every file the Set has parsed so far (the paste file and
// those it includes), for printing diagnostics with source excerpts.
func (s *Set) Files() []*dsl.File { return s.cache.Files() }

// Resolver returns a resolver over the Set's files, with reg for
// composites' children: its warnings and the sections it visits are its
// own, the parsed files the Set's. Use one for each purpose that needs
// them apart (pasteserve check finds the entry points of a file without
// main with one, and checks them with another).
func (s *Set) Resolver(reg *factory.Registry) *resolve.Resolver {
	return &resolve.Resolver{Registry: reg, Cache: s.cache}
}

// Server resolves the [server:NAME] section called name (default main),
// whose settings package server reads, and returns it with the warnings
// resolution met. A paste file need not say how it is served: when it
// has no such section, Server returns a nil node and no error.
func (s *Set) Server(name string) (*plan.Node, dsl.Diagnostics, error) {
	if name == "" {
		name = "main"
	}
	r := s.Resolver(nil)
	n, err := r.Resolve(s.path, name, plan.TypeServer, nil)
	var ds dsl.Diagnostics
	var nf *resolve.NotFoundError
	// The section itself is missing, and that is the only problem: not a
	// section its use names, in this file or another.
	if errors.As(err, &ds) && len(ds) == 1 && errors.As(ds[0], &nf) &&
		nf.Type == plan.TypeServer && nf.Name == name && nf.File == s.abs() {
		return nil, r.Warnings(), nil
	}
	return n, r.Warnings(), err
}

// abs is the Set's path as resolution keys files: absolute.
func (s *Set) abs() string {
	if a, err := filepath.Abs(s.path); err == nil {
		return a
	}
	return s.path
}

// Build resolves the app called name (default main), with global as the
// caller's global configuration, and builds it with the factories of
// reg: what a program that serves the file does.
func (s *Set) Build(name string, global map[string]string, reg *factory.Registry) (http.Handler, error) {
	n, err := s.Resolver(reg).Resolve(s.path, name, plan.TypeApp, global)
	if err != nil {
		return nil, err
	}
	return build.Handler(n, reg)
}

// Check returns the error Build would return, calling every factory as
// Build does but keeping no handler: for a program that must know the
// app builds before it starts processes that build it themselves (the
// master of pre-fork workers).
func (s *Set) Check(name string, global map[string]string, reg *factory.Registry) error {
	n, err := s.Resolver(reg).Resolve(s.path, name, plan.TypeApp, global)
	if err != nil {
		return err
	}
	return build.Check(n, reg, false)
}

// Load resolves the app called name (default main) in the paste file at
// path, with global as the caller's global configuration, and builds it
// with reg: Open, then Build. Errors carry file:line:col; Open a Set to
// also get the parsed files for source excerpts.
func Load(path, name string, global map[string]string, reg *factory.Registry) (http.Handler, error) {
	s, _ := Open(path) // an error opening is Build's error too
	return s.Build(name, global, reg)
}
