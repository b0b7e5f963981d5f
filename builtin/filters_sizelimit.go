package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.FilterOf(factory.Spec{
		Name: "sizelimit",
		Aliases: []string{
			"egg:oslo.middleware#sizelimit",
			"oslo_middleware:RequestBodySizeLimiter.factory",
			"oslo_middleware.sizelimit:RequestBodySizeLimiter.factory",
			"nova.api.sizelimit:RequestBodySizeLimiter.factory",
			"cinder.api.sizelimit:RequestBodySizeLimiter.factory",
			"venus.api.middleware.sizelimit:RequestBodySizeLimiter.factory",
		},
		Doc: "answers 413 to request bodies over max_request_body_size (default 114688), chunked ones included",
	}, factory.Defaults(filters.DefaultSizeLimitOptions), filters.NewSizeLimit))
}
