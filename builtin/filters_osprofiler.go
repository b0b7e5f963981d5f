package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.FilterOf(factory.Spec{
		Name: "osprofiler",
		Aliases: []string{
			"egg:osprofiler#osprofiler",
			"osprofiler.web:WsgiMiddleware.factory",
			"aodh.profiler:WsgiMiddleware.factory",
			"cyborg.common.profiler:WsgiMiddleware.factory",
			"designate.common.profiler:WsgiMiddleware.factory",
			"magnum.common.profiler:WsgiMiddleware.factory",
			"nova.profiler:WsgiMiddleware.factory",
			"panko.profiler:WsgiMiddleware.factory",
			"zun.common.profiler:WsgiMiddleware.factory",
		},
		Doc: "osprofiler's WsgiMiddleware with profiling off: passes requests through",
	}, nil, filters.NewOSProfiler))
}
