// Package layers holds the test that keeps the module's imports running
// one way: each package imports only packages of the layers below its
// own, never one of its own layer or above. The layers are data in
// layers_test.go; a package that is in none fails the test, so a new
// package (or a split one) is placed there when it is made.
//
// Only the packages' own imports count. Their tests may import upward
// (the loader's corpus tests import apps and filters to have every
// built-in registered), as Go allows for test packages, which nothing
// imports.
//
// The package has no code of its own; the test is layers_test.go.
package layers
