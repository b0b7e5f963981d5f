package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.FilterOf(factory.Spec{
		Name: "catch_errors",
		Aliases: []string{
			"egg:oslo.middleware#catch_errors",
			"oslo_middleware:CatchErrors.factory",
			"oslo_middleware.catch_errors:CatchErrors.factory",
		},
		Doc: "turns a panic into a 500 JSON fault with the request id; logs the stack with secret headers masked",
	}, nil, filters.NewCatchErrors))
}
