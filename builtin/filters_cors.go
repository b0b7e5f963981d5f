package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.Factory{
		Name:    "cors",
		Aliases: []string{"egg:oslo.middleware#cors", "oslo_middleware:CORS.factory", "oslo_middleware.cors:CORS.factory", "oslo_middleware.cors:filter_factory"},
		Kind:    factory.KindFilter,
		Groups:  []string{"cors"},
		Doc:     "answers CORS preflights and adds Access-Control-* headers for allowed origins (oslo's options)",
		Filter:  filters.CORS,
	})
}
