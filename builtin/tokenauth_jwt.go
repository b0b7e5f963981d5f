package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/tokenauth"
)

func init() {
	factory.Register(factory.Factory{
		Name:   "jwt_token",
		Kind:   factory.KindFilter,
		Doc:    "auth_token for JSON Web Tokens: checks X-Auth-Token or a Bearer token with an HS256 secret or JWKS keys, writes X-User-Id, X-Project-Id, X-Roles...",
		Filter: tokenauth.JWTToken,
	})
}
