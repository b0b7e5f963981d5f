package resolve

import (
	"fmt"
	"strings"

	"github.com/pasteserve/pasteserve/redact"
)

// maxInterpolationDepth is configparser's MAX_INTERPOLATION_DEPTH.
const maxInterpolationDepth = 10

// lookupFunc finds the raw value of a name for %(name)s.
type lookupFunc func(name string) (string, bool)

// interpolate expands %(name)s and %% in value the way configparser's
// BasicInterpolation does: names are looked up with lookup (the section's
// own keys, then the defaults), found values are expanded in turn, and
// more than ten levels is an error. option names the key being read, for
// messages.
func interpolate(value, option string, lookup lookupFunc) (string, error) {
	if !strings.Contains(value, "%") {
		return value, nil
	}
	var b strings.Builder
	if err := interpolateInto(&b, value, option, value, lookup, 1); err != nil {
		return "", err
	}
	return b.String(), nil
}

func interpolateInto(b *strings.Builder, rest, option, raw string, lookup lookupFunc, depth int) error {
	if depth > maxInterpolationDepth {
		return fmt.Errorf("%%(...)s references in %q nest more than %d levels deep (a reference loop?); raw value %q", option, maxInterpolationDepth, quoted(option, raw))
	}
	for rest != "" {
		p := strings.IndexByte(rest, '%')
		if p < 0 {
			b.WriteString(rest)
			return nil
		}
		b.WriteString(rest[:p])
		rest = rest[p:]
		switch {
		case strings.HasPrefix(rest, "%%"):
			b.WriteByte('%')
			rest = rest[2:]
		case strings.HasPrefix(rest, "%("):
			end := strings.IndexByte(rest, ')')
			if end < 3 || !strings.HasPrefix(rest[end:], ")s") {
				return fmt.Errorf("bad interpolation reference %q in %q; write %%(name)s, or %%%% for a literal %%", quoted(option, rest), option)
			}
			name := rest[2:end]
			rest = rest[end+2:]
			v, ok := lookup(name)
			if !ok {
				return fmt.Errorf("%q refers to %%(%s)s, which is not defined here or in [DEFAULT]", option, name)
			}
			if strings.Contains(v, "%") {
				if err := interpolateInto(b, v, option, raw, lookup, depth+1); err != nil {
					return err
				}
			} else {
				b.WriteString(v)
			}
		default:
			return fmt.Errorf("'%%' must be followed by '%%' or '(' in %q, found %q; write %%%% for a literal %%", option, quoted(option, rest))
		}
	}
	return nil
}

// quoted is the part of option's value that an error quotes, as
// redact.Value prints it: a password with a stray '%' is a common error,
// and the message must not carry the password into a log.
func quoted(option, part string) string {
	return redact.Value(option, part)
}
