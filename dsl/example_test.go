package dsl_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/pasteserve/pasteserve/dsl"
)

// Parse a paste file from memory: its sections, a multi-line value
// with the position of one word inside it, and the diagnostics of a
// broken file, every one of them, each at file:line:col.
func ExampleParse() {
	src := `[composite:main]
use = egg:Paste#urlmap
/v2.0 = api

[pipeline:api]
pipeline =
    cors request_id
    neutronapiapp
`
	f, err := dsl.Parse("api-paste.ini", []byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range f.Sections {
		name, _ := s.Name()
		fmt.Printf("%s: kind %q, name %q, %d entries\n", s.Pos, s.Kind(), name, len(s.Entries))
	}
	p := f.Section("pipeline:api").Entry("pipeline")
	fmt.Printf("pipeline = %q\n", p.Value)
	fmt.Println("request_id is at", p.ValuePos(strings.Index(p.Value, "request_id")))

	// A key given twice and a line that is no entry: both reported.
	broken, err := dsl.Parse("broken.ini", []byte("[app:main]\nuse = egg:pasteserve#echo\nuse = egg:pasteserve#static\nnot an entry\n"))
	fmt.Println(err)

	// Write adds the source line and a caret under the column.
	// The first diagnostic again, as check prints it: with the source
	// line, a caret under the column, and where the key was first given.
	err.(dsl.Diagnostics)[:1].Write(os.Stdout, broken)
	// Output:
	// api-paste.ini:1:1: kind "composite", name "main", 2 entries
	// api-paste.ini:5:1: kind "pipeline", name "api", 1 entries
	// pipeline = "\ncors request_id\nneutronapiapp"
	// request_id is at api-paste.ini:7:10
	// broken.ini:3:1: key "use" is given twice in [app:main]; keep one (keys are case-sensitive)
	// broken.ini:4:1: line has no '=' or ':'; write key = value, or start a comment with '#' or ';'
	// broken.ini:3:1: key "use" is given twice in [app:main]; keep one (keys are case-sensitive)
	//     3 | use = egg:pasteserve#static
	//       | ^
	// broken.ini:2:1: note: first given here
	//     2 | use = egg:pasteserve#echo
	//       | ^
}
