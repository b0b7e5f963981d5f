// Package build makes an http.Handler from a plan (package plan),
// calling the factories registered in a registry (package factory):
// filters are func(http.Handler) http.Handler, apps are http.Handlers,
// and a pipeline is an alice chain, so a built pipeline costs what the
// same chain wired by hand costs.
//
// A plan holds everything building needs, composites' children
// included, so building reads no file. Handler and Check report every
// error at once, each at the file:line:col it is about.
//
// A plan whose chains end in objects with no Go factory (an OpenStack
// service's own filters and app) can be built with a Foreign runtime
// (Options.Foreign; package server's is the Python bridge): each chain
// is split at its first element without a Go factory, Go builds the
// filters in front of it, and the rest is a Tail that Foreign serves.
// Places and Options.Tails say, without calling a factory, where each
// node runs and which tails there are.
package build
