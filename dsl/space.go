package dsl

import (
	"strings"
	"unicode"
)

// isSpace reports whether r is white space as Python's str.isspace sees
// it. configparser strips keys, values and lines with str.strip, so the
// same set has to be used here for values to come out identical. Python's
// set is Unicode's White_Space plus the four ASCII separators U+001C to
// U+001F.
func isSpace(r rune) bool {
	if r >= 0x1c && r <= 0x1f {
		return true
	}
	return unicode.IsSpace(r)
}

func trimSpace(s string) string { return strings.TrimFunc(s, isSpace) }

func trimRightSpace(s string) string { return strings.TrimRightFunc(s, isSpace) }

// leadingSpace returns the number of bytes and of characters of white
// space at the start of s.
func leadingSpace(s string) (nbytes, nchars int) {
	for i, r := range s {
		if !isSpace(r) {
			return i, nchars
		}
		nchars++
	}
	return len(s), nchars
}
