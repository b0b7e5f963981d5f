// Package loader loads a paste-deploy file: it resolves an object of the
// file (package resolve) and builds it with the factories of a registry
// (package build), what a program that serves a paste file does.
//
// The steps are packages of their own: plan is the resolved plan, pure
// data; factory the registry; resolve PasteDeploy's meaning, files to a
// plan; build a plan to an http.Handler; graph printing plans.
package loader
