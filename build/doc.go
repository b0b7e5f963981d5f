// Package build makes an http.Handler from a plan (package plan),
// calling the factories registered in a registry (package factory):
// filters are func(http.Handler) http.Handler, apps are http.Handlers,
// and a pipeline is an alice chain, so a built pipeline costs what the
// same chain wired by hand costs.
//
// A plan holds everything building needs, composites' children
// included, so building reads no file. Handler and Check report every
// error at once, each at the file:line:col it is about.
package build
