package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.FilterOf(factory.Spec{
		Name:    "gzip",
		Aliases: []string{"egg:Paste#gzip", "glance.api.middleware.gzip:GzipMiddleware.factory"},
		Doc:     "gzip-compresses responses for clients that accept it (Paste's gzipper)",
	}, factory.Defaults(filters.DefaultGzipOptions), filters.NewGzip))
}
