package resolve

import (
	"regexp"
	"testing"
)

// isURI answers as PasteDeploy's regular expression ^[a-zA-Z]+: does.
func TestIsURIIsPasteDeploysRegexp(t *testing.T) {
	re := regexp.MustCompile(`^[a-zA-Z]+:`)
	names := []string{"", ":", "a", "a:", "egg:Paste#urlmap", "config:x.ini", "call:m:f", "my-scheme:foo", "x1:y", "1x:y", " egg:x", "EGG:x", "é:x", "main", "app:main", "a:b:c", "Z:"}
	for c := 0; c < 256; c++ {
		names = append(names, string([]byte{byte(c), ':'}), string([]byte{'a', byte(c), ':'}))
	}
	for _, n := range names {
		if got, want := isURI(n), re.MatchString(n); got != want {
			t.Errorf("isURI(%q) = %v, the regular expression says %v", n, got, want)
		}
	}
}
