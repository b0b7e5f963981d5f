package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.FilterOf(factory.Spec{
		Name:    "noauth",
		Aliases: []string{"neutron.auth:NoauthFakeProjectId.factory"},
		Doc:     "development only: acts as an admin, fake project when the request names none (neutron's fake_project_id)",
	}, factory.Defaults(filters.DefaultNoAuthOptions), filters.NewNoAuth))
	factory.Register(factory.FilterOf(factory.Spec{
		Name: "noauth_token",
		Aliases: []string{
			"cinder.api.middleware.auth:NoAuthMiddleware.factory",
			"cinder.api.openstack.auth:NoAuthMiddleware.factory",
			"manila.api.middleware.auth:NoAuthMiddleware.factory",
			"manila.api.middleware.auth:NoAuthMiddlewarev2_60.factory",
			"masakari.api.auth:NoAuthMiddleware.factory",
			"venus.api.middleware.auth:NoAuthMiddleware.factory",
			"karbor.api.middleware.auth:NoAuthMiddleware.factory",
			"netforce.api.auth:NoAuthMiddleware.factory",
		},
		Doc: "development only: nova/cinder-style noauth, X-Auth-Token user:project, 204 with a fake token without one",
	}, nil, filters.NewNoAuthToken))
	factory.Register(factory.FilterOf(factory.Spec{
		Name: "noauth_token_project_in_path",
		Aliases: []string{
			"nova.api.openstack.auth:NoAuthMiddleware.factory",
			"cinder.api.middleware.auth:NoAuthMiddlewareIncludeProjectID.factory",
		},
		Doc: "development only: noauth_token with the project in X-Server-Management-Url",
	}, factory.Defaults(func() filters.NoAuthTokenOptions {
		return filters.NoAuthTokenOptions{ProjectInPath: true}
	}), filters.NewNoAuthToken))
}
