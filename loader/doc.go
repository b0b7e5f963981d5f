// Package loader gives paste-deploy files PasteDeploy's meaning and turns
// them into http.Handlers.
//
// Loading happens in two steps. Resolve reads a file (and the files it
// includes with config: URIs) and resolves one named object, the way
// PasteDeploy's loadapp, loadfilter and loadserver do, into a Node: a
// tree of pure data that says which factory makes each object, with
// which local and global configuration, and how the objects nest
// (pipelines, filter-apps, filter-with, composites). No factory is called,
// so a Node can be printed (see Expr, WriteText) and compared in golden
// tests even when the Python code a file names has no Go counterpart.
//
// Build then makes an http.Handler from a Node, calling the factories
// registered in a Registry: filters are func(http.Handler) http.Handler,
// apps are http.Handlers, and a pipeline is an alice chain, so a built
// pipeline costs what the same chain wired by hand costs.
//
// Where PasteDeploy has bugs, pasteserve fixes them on purpose; each is
// listed in docs/compat.md.
package loader
