package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.AppOf(factory.Spec{
		Name:    "healthcheck",
		Aliases: []string{"egg:oslo.middleware#healthcheck", "oslo_middleware:Healthcheck.app_factory"},
		Doc:     "answers health checks on any path: GET 200/503, HEAD 204/503, backends disable_by_file and others",
	}, nil, filters.NewHealthcheck))
	factory.Register(factory.FilterOf(factory.Spec{
		Name:    "healthcheck",
		Aliases: []string{"egg:oslo.middleware#healthcheck", "oslo_middleware:Healthcheck.factory"},
		Doc:     "answers health checks on path (default /healthcheck) and passes other requests on",
	}, factory.Defaults(filters.DefaultHealthcheckFilterOptions), filters.NewHealthcheckFilter))
}
