package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/tokenauth"
)

func init() {
	factory.Register(factory.FilterOf(factory.Spec{
		Name: "static_token",
		Doc:  "auth_token with a fixed token file (token -> user, project, roles), for tests and small setups",
	}, factory.Defaults(tokenauth.DefaultStaticTokenOptions), tokenauth.NewStaticToken))
}
