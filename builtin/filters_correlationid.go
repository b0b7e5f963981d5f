package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.FilterOf(factory.Spec{
		Name: "correlation_id",
		Aliases: []string{
			"egg:oslo.middleware#correlation_id",
			"oslo_middleware:CorrelationId.factory",
			"oslo_middleware.correlation_id:CorrelationId.factory",
		},
		Doc: "gives a request without X-Correlation-Id a new uuid4 in that header (oslo's CorrelationId)",
	}, nil, filters.NewCorrelationID))
}
