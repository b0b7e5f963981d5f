package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.FilterOf(factory.Spec{
		Name: "request_id",
		Aliases: []string{
			"egg:oslo.middleware#request_id",
			"oslo_middleware:RequestId.factory",
			"oslo_middleware.request_id:RequestId.factory",
			"cinder.api.middleware.request_id:RequestId.factory",
		},
		Doc: "gives each request a new req-<uuid> id (x-openstack-request-id), keeps a well-formed inbound global id",
	}, nil, filters.NewRequestID))
	factory.Register(factory.FilterOf(factory.Spec{
		Name:    "compute_req_id",
		Aliases: []string{"nova.api.compute_req_id:ComputeReqIdMiddleware.factory"},
		Doc:     "request_id that also answers x-compute-request-id, as nova's ComputeReqIdMiddleware",
	}, factory.Defaults(filters.DefaultComputeReqIDOptions), filters.NewRequestID))
}
