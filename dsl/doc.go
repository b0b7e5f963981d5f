// Package dsl reads paste-deploy files (OpenStack's api-paste.ini,
// Pyramid's development.ini) into an abstract syntax tree, and prints
// them back.
//
// # Text to AST
//
// Parse (and ParseFile) read the INI dialect of Python's configparser as
// PasteDeploy sets it up: strict mode, keys kept case-sensitive, '=' and
// ':' delimiters, full-line comments only, multi-line values by
// indentation. They give the same values configparser gives, which a
// differential test checks against Python on every file in
// testdata/paste/corpus. The result is a File: its Sections in the
// order written, each with its Entries (key, delimiter, Value, and the
// physical Lines the value was joined from), and its full-line
// Comments. [DEFAULT] is kept as a section (DefaultSection); the Kind
// and Name of a header ("app" and "main" for [app:main]) are read as
// PasteDeploy reads them. The package knows nothing of what the sections
// mean: resolving use =, pipeline = and composites is package resolve's.
// docs/dsl.md is the format's full description.
//
// # Positions
//
// Every node carries a Pos: file name, line, column (in characters)
// and byte offset. Entry.ValuePos maps an index inside a multi-line
// value back to its line and column, so that an error about one word of
// a pipeline points at that word.
//
// # Diagnostics
//
// Problems are Diagnostics, not the first error found: Parse reports
// every problem in the file, in source order, and returns as much of the
// file as it could read. A Diagnostic prints as "file:line:col:
// message", the form editors and Go's own tools understand; Write adds
// the source line with a caret under the column, with secret values
// masked (package redact says which). Severity tells an error, which
// stops the load, from a warning, which does not. Err holds a typed
// cause for errors.Is and errors.As, so that no caller reads Msg to
// learn what went wrong. The packages above (options, resolve, build,
// loader) report their own problems as Diagnostics at these positions.
//
// # Format
//
// Format prints a File back in a canonical layout (one blank line
// between sections, continuation lines indented by four spaces,
// comments kept before what follows them); parsing its output gives the
// same sections, keys and values. Dump prints the tree with positions,
// for golden tests.
//
// # The scanner and its oracle
//
// The scanner reads a file once, line by line, and builds the tree as it
// goes: a 10,000-section file parses in about 10 ms, with about one
// allocation a section. Until issue 12 it handed its lines to a
// participle/v2 grammar, which spent more than half of the parse; that
// parser is kept, unchanged in what it accepts, in internal/dsloracle,
// whose tests hold this package to it on every testdata file, on random
// input and under a fuzz target. A change to what dsl accepts or reports
// is made in both.
package dsl
