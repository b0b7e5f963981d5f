package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/tokenauth"
)

func init() {
	factory.Register(factory.Factory{
		Name: "auth_token",
		Aliases: []string{
			"egg:keystonemiddleware#auth_token",
			"keystonemiddleware.auth_token:filter_factory",
			"keystoneclient.middleware.auth_token:filter_factory",
			"keystone.middleware.auth_token:filter_factory",
		},
		Kind:   factory.KindFilter,
		Groups: []string{"keystone_authtoken"},
		Doc:    "keystonemiddleware's auth_token: validates X-Auth-Token with Keystone v3, writes X-User-Id, X-Project-Id, X-Roles...; 401/503",
		Filter: tokenauth.AuthToken,
	})
}
