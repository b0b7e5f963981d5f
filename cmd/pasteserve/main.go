// Command pasteserve loads paste-deploy files (OpenStack's api-paste.ini,
// Pyramid's development.ini, Swift's proxy-server.conf) and serves the
// pipelines they describe as Go handler chains.
//
// This file is the whole program: the command line lives in package
// pasteservecmd, and the factories a paste file can name come from the
// blank imports below. To build a pasteserve with your own factories,
// copy this file and add an import of your package.
package main

import (
	"os"

	pasteservecmd "github.com/pasteserve/pasteserve/cmd"

	_ "github.com/pasteserve/pasteserve/builtin" // every built-in filter, app and token filter
)

func main() {
	os.Exit(pasteservecmd.Main(os.Args[1:], os.Stdout, os.Stderr))
}
