// Package resolve gives paste-deploy files PasteDeploy's meaning.
//
// A Resolver reads a file (and the files it includes with config: URIs)
// and resolves one named object, the way PasteDeploy's loadapp,
// loadfilter and loadserver do, into a plan (package plan): a tree of
// pure data that says which factory makes each object, with which local
// and global configuration, and how the objects nest (pipelines,
// filter-apps, filter-with, composites). No factory is called, so a plan
// can be printed (package graph) and compared in golden tests even when
// the Python code a file names has no Go counterpart.
//
// The registry (package factory) tells which references are composites
// and which of their keys name children: those children are resolved
// with the plan, in the file that defines the composite, so that
// building a plan (package build) never comes back here.
//
// Where PasteDeploy has bugs, pasteserve fixes them on purpose; each is
// listed in docs/compat.md.
package resolve
