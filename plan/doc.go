// Package plan is the resolved plan of a paste file: which factory makes
// each object, with which local and global configuration, and how the
// objects nest (pipelines, filter-apps, filter-with, composites and their
// children).
//
// A plan is pure data. Package resolve makes one from paste files, as
// PasteDeploy's loadapp, loadfilter and loadserver would, without calling
// any factory; package build turns one into an http.Handler, calling the
// factories of a registry; package graph prints one. Nothing in a Node
// points back into resolution, so a plan can be printed, compared in
// golden tests and built after the files it came from have changed.
package plan
