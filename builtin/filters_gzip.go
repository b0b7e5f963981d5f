package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.Factory{
		Name:    "gzip",
		Aliases: []string{"egg:Paste#gzip", "glance.api.middleware.gzip:GzipMiddleware.factory"},
		Kind:    factory.KindFilter,
		Doc:     "gzip-compresses responses for clients that accept it (Paste's gzipper)",
		Filter:  filters.Gzip,
	})
}
