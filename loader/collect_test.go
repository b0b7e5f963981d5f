package loader

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/pasteserve/pasteserve/dsl"
)

// SectionType and Defines are the loader's rule for which sections make
// which objects, for callers (pasteserve check) that must not keep a
// copy of it.
func TestSectionTypeAndDefines(t *testing.T) {
	dir := files(t, map[string]string{"api.ini": "[DEFAULT]\n[loggers]\n[App:x]\n[app :y]\n[app:a]\n[application:b]\n[composite:c]\n[composit:d]\n[pipeline:e]\n[filter-app:f]\n[filter:g]\n[server:h]\n[pipeline]\n[server]\n"})
	f, err := dsl.ParseFile(filepath.Join(dir, "api.ini"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range f.Sections {
		typ, ok := SectionType(s)
		got = append(got, fmt.Sprintf("%s=%v", s.Header, map[bool]string{true: typ.String(), false: "-"}[ok]))
	}
	want := "[DEFAULT=- loggers=- App:x=- app :y=- app:a=app application:b=app composite:c=app composit:d=app pipeline:e=app filter-app:f=app filter:g=filter server:h=server pipeline=app server=server]"
	if fmt.Sprint(got) != want {
		t.Errorf("SectionType:\n got %v\nwant %s", got, want)
	}
	for _, tc := range []struct {
		typ  ObjectType
		name string
		want bool
	}{
		{TypeApp, "a", true}, {TypeApp, "b", true}, {TypeApp, "f", true}, {TypeApp, "g", false}, {TypeFilter, "g", true},
		{TypeApp, "x", false}, {TypeApp, "y", false}, {TypeServer, "h", true},
		{TypeApp, "main", true}, // the bare [pipeline]
		{TypeServer, "main", true}, {TypeFilter, "main", false},
	} {
		if got := Defines(f, tc.typ, tc.name); got != tc.want {
			t.Errorf("Defines(%s, %q) = %v", tc.typ, tc.name, got)
		}
	}
}
