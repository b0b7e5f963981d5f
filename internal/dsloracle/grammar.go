package dsloracle

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The participle grammar of a paste file, over the tokens of lexer.go
// (dsl/grammar.go as of 5f159b2^):
//
//	File    = Item* Section*
//	Section = Header Item*
//
// An Item is an entry line (with its continuation lines) or a junk line
// without a delimiter; parse.go tells them apart.
//
// The scanner has already decided what each line is (which takes the
// indentation of the key line above, beyond a context-free grammar) and
// folded continuation lines into their entry, so the grammar groups
// items into sections. It is deliberately lenient (items before any
// header, junk lines) so that the checks in parse.go can report every
// problem with its own message instead of participle's first syntax
// error.

type fileNode struct {
	Stray    *strayNode     `parser:"@@?"`
	Sections []*sectionNode `parser:"@@*"`
}

// strayNode holds the items before the first header: an error, but
// parsed so that it can be reported.
type strayNode struct {
	Tokens []lexer.Token
	First  lexer.Token `parser:"@Item Item*"`
}

type sectionNode struct {
	Tokens []lexer.Token // participle fills it with the node's tokens
	Header lexer.Token   `parser:"@Header Item*"`
}

var grammar = participle.MustBuild[fileNode](
	participle.Lexer(refLexerDefinition{symbols: tokenNames}),
)
