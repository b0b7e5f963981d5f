// Package doccheck holds the test that keeps the module's public
// packages documented: every exported name has a doc comment, every
// package has a package doc, and every library package has at least one
// Example test, so that godoc teaches each package by running code.
//
// Public packages are those a user can import: every package of the
// module outside internal/, examples/, bench/ and testdata/. Commands
// (cmd, whose API is its command line, and cmd/pasteserve, its main)
// need no Example; their command line is documented in docs/cli.md.
//
// The package has no code of its own; the test is doccheck_test.go.
package doccheck
