package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/tokenauth"
)

func init() {
	factory.Register(factory.Factory{
		Name:   "static_token",
		Kind:   factory.KindFilter,
		Doc:    "auth_token with a fixed token file (token -> user, project, roles), for tests and small setups",
		Filter: tokenauth.StaticToken,
	})
}
