// Package dsloracle is the reference implementation of dsl.Parse, kept
// for tests only: the participle grammar and line lexer that dsl used
// before its scanner learnt to build the AST itself (commit 5f159b2,
// "dsl: the scanner builds the AST itself; participle no longer groups
// its tokens").
//
// The hand-built scanner is four times faster, but it folds into one pass
// what the old parser did in three readable steps: a lexer that makes one
// token per line, a grammar (File = Item* (Header Item*)*) that groups
// them into sections, and a walk that checks the groups. Those steps are
// easy to read against docs/dsl.md and configparser; the scanner's blocks,
// in-place growth and duplicate-key shortcuts are not. So the old parser
// stays, frozen, as the oracle: the tests of this package parse the same
// input with both and require the same AST (sections, entries, values,
// lines, comments, every position), the same line starts, and the same
// diagnostics (messages, positions, related notes), over every file under
// the module's testdata directories, the fuzz corpora and random inputs,
// and FuzzOracle keeps looking for inputs where they part.
//
// A change to what dsl accepts or reports has to be made here too, in
// the old style, or the tests fail: that is the point. Nothing but tests
// may import this package (internal/layers checks it), so participle is
// in go.mod for tests alone and never linked into a program.
package dsloracle
