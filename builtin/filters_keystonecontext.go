package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.FilterOf(factory.Spec{
		Name: "keystonecontext",
		Aliases: []string{
			"neutron.auth:NeutronKeystoneContext.factory",
			"quantum.auth:QuantumKeystoneContext.factory",
			"nova.api.auth:NovaKeystoneContext.factory",
			"cinder.api.auth:CinderKeystoneContext.factory",
			"cinder.api.middleware.auth:CinderKeystoneContext.factory",
			"congress.auth:CongressKeystoneContext.factory",
			"karbor.api.middleware.auth:KarborKeystoneContext.factory",
			"manila.api.middleware.auth:ManilaKeystoneContext.factory",
			"masakari.api.auth:MasakariKeystoneContext.factory",
			"netforce.api.auth:NetforceKeystoneContext.factory",
			"tacker.auth:TackerKeystoneContext.factory",
			"venus.api.middleware.auth:VenusKeystoneContext.factory",
		},
		Doc: "turns auth_token's X-User-Id, X-Project-Id, X-Roles... headers into the request's Identity; 401 without a user",
	}, nil, filters.NewKeystoneContext))
}
