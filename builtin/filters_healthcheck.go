package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.Factory{
		Name:    "healthcheck",
		Aliases: []string{"egg:oslo.middleware#healthcheck", "oslo_middleware:Healthcheck.app_factory"},
		Kind:    factory.KindApp,
		Groups:  []string{"healthcheck"},
		Doc:     "answers health checks on any path: GET 200/503, HEAD 204/503, backends disable_by_file and others",
		App:     filters.HealthcheckApp,
	})
	factory.Register(factory.Factory{
		Name:    "healthcheck",
		Aliases: []string{"egg:oslo.middleware#healthcheck", "oslo_middleware:Healthcheck.factory"},
		Kind:    factory.KindFilter,
		Groups:  []string{"healthcheck"},
		Doc:     "answers health checks on path (default /healthcheck) and passes other requests on",
		Filter:  filters.HealthcheckFilter,
	})
}
