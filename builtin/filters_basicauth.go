package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.FilterOf(factory.Spec{
		Name:    "basic_auth",
		Aliases: []string{"egg:oslo.middleware#basic_auth", "oslo_middleware:BasicAuthMiddleware.factory", "oslo_middleware.basic_auth:BasicAuthMiddleware.factory"},
		Doc:     "HTTP Basic authentication against a bcrypt htpasswd file (http_basic_auth_user_file)",
	}, factory.Defaults(filters.DefaultBasicAuthOptions), filters.NewBasicAuth))
}
