package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.FilterOf(factory.Spec{
		Name: "fault_wrapper",
		Aliases: []string{
			"nova.api.openstack:FaultWrapper.factory",
			"cinder.api.middleware.fault:FaultWrapper.factory",
		},
		Doc: `turns a panic into nova's and cinder's 500 {"computeFault": ...} JSON fault; logs the stack with secret headers masked`,
	}, nil, filters.NewFaultWrapper))
}
