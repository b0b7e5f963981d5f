// Command customfilter is pasteserve with one more filter compiled in:
// cmd/pasteserve/main.go plus blank imports of the stamp filter and the
// hello app it wraps in the example paste file.
//
//	go run ./examples/customfilter check --paste examples/customfilter/api-paste.ini
package main

import (
	"os"

	pasteservecmd "github.com/pasteserve/pasteserve/cmd"

	_ "github.com/pasteserve/pasteserve/builtin"
	_ "github.com/pasteserve/pasteserve/examples/customfilter/hello"
	_ "github.com/pasteserve/pasteserve/examples/customfilter/stamp"
)

func main() {
	os.Exit(pasteservecmd.Main(os.Args[1:], os.Stdout, os.Stderr))
}
