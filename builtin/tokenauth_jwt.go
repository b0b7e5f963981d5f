package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/tokenauth"
)

func init() {
	factory.Register(factory.FilterOf(factory.Spec{
		Name: "jwt_token",
		Doc:  "auth_token for JSON Web Tokens: checks X-Auth-Token or a Bearer token with an HS256 secret or JWKS keys, writes X-User-Id, X-Project-Id, X-Roles...",
	}, factory.Defaults(tokenauth.DefaultJWTTokenOptions), tokenauth.NewJWTToken))
}
