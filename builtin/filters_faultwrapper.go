package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.Factory{
		Name: "fault_wrapper",
		Aliases: []string{
			"nova.api.openstack:FaultWrapper.factory",
			"cinder.api.middleware.fault:FaultWrapper.factory",
		},
		Kind:   factory.KindFilter,
		Doc:    `turns a panic into nova's and cinder's 500 {"computeFault": ...} JSON fault; logs the stack with secret headers masked`,
		Filter: filters.FaultWrapper,
	})
}
