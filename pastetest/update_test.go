package pastetest

import (
	"fmt"
	"testing"
)

func TestRewriteUpdate(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		want  string
		found bool
	}{
		{[]string{"x.test", "-test.v", "-update"}, "[x.test -test.v -pastetest.update]", true},
		{[]string{"x.test", "--update=false", "-test.run=X"}, "[x.test -pastetest.update=false -test.run=X]", true},
		{[]string{"x.test", "-update=all"}, "[x.test -pastetest.update=all]", true},
		{[]string{"x.test", "-pastetest.update", "-updates", "update"}, "[x.test -pastetest.update -updates update]", false},
		{[]string{"x.test", "--", "-update"}, "[x.test -- -update]", false},
		{[]string{"-update"}, "[-update]", false}, // the program name
	} {
		got, found := rewriteUpdate(tc.args)
		if fmt.Sprint(got) != tc.want || found != tc.found {
			t.Errorf("rewriteUpdate(%q) = %v, %v; want %s, %v", tc.args, got, found, tc.want, tc.found)
		}
	}
}
