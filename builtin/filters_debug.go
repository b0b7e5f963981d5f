package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.Factory{
		Name: "debug",
		Aliases: []string{
			"egg:oslo.middleware#debug",
			"oslo_middleware:Debug.factory",
			"oslo_middleware.debug:Debug.factory",
		},
		Kind:   factory.KindFilter,
		Doc:    "development only: prints requests and responses, bodies included, to standard output",
		Filter: filters.Debug,
	})
}
