package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.FilterOf(factory.Spec{
		Name: "http_proxy_to_wsgi",
		Aliases: []string{
			"egg:oslo.middleware#http_proxy_to_wsgi",
			"oslo_middleware:HTTPProxyToWSGI.factory",
			"oslo_middleware.http_proxy_to_wsgi:HTTPProxyToWSGI.factory",
		},
		Doc: "applies Forwarded / X-Forwarded-* from trusted proxies: scheme, host, client address, prefix",
	}, nil, filters.NewProxyHeaders))
}
