package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.Factory{
		Name:    "basic_auth",
		Aliases: []string{"egg:oslo.middleware#basic_auth", "oslo_middleware:BasicAuthMiddleware.factory", "oslo_middleware.basic_auth:BasicAuthMiddleware.factory"},
		Kind:    factory.KindFilter,
		Groups:  []string{"oslo_middleware"},
		Doc:     "HTTP Basic authentication against a bcrypt htpasswd file (http_basic_auth_user_file)",
		Filter:  filters.BasicAuth,
	})
}
