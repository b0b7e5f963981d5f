package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.Factory{
		Name: "http_proxy_to_wsgi",
		Aliases: []string{
			"egg:oslo.middleware#http_proxy_to_wsgi",
			"oslo_middleware:HTTPProxyToWSGI.factory",
			"oslo_middleware.http_proxy_to_wsgi:HTTPProxyToWSGI.factory",
		},
		Kind:   factory.KindFilter,
		Groups: []string{"oslo_middleware"},
		Doc:    "applies Forwarded / X-Forwarded-* from trusted proxies: scheme, host, client address, prefix",
		Filter: filters.ProxyHeaders,
	})
}
