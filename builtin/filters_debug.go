package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.FilterOf(factory.Spec{
		Name: "debug",
		Aliases: []string{
			"egg:oslo.middleware#debug",
			"oslo_middleware:Debug.factory",
			"oslo_middleware.debug:Debug.factory",
		},
		Doc: "development only: prints requests and responses, bodies included, to standard output",
	}, nil, filters.NewDebug))
}
