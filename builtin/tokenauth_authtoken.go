package builtin

import (
	"errors"

	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/options"
	"github.com/pasteserve/pasteserve/tokenauth"
)

func init() {
	f := factory.FilterOf(factory.Spec{
		Name: "auth_token",
		Aliases: []string{
			"egg:keystonemiddleware#auth_token",
			"keystonemiddleware.auth_token:filter_factory",
			"keystoneclient.middleware.auth_token:filter_factory",
			"keystone.middleware.auth_token:filter_factory",
		},
		Doc: "keystonemiddleware's auth_token: validates X-Auth-Token with Keystone v3, writes X-User-Id, X-Project-Id, X-Roles...; 401/503",
	}, factory.Defaults(tokenauth.DefaultAuthTokenOptions), tokenauth.NewAuthToken)
	build := f.Filter
	f.Filter = func(cfg *factory.Config) (factory.Middleware, error) {
		refused := refuseUnsupportedAuthTokenOptions(factory.SectionOf(cfg))
		mw, err := build(cfg)
		if len(refused) == 0 {
			return mw, err
		}
		var ds dsl.Diagnostics
		if err != nil && !errors.As(err, &ds) {
			return nil, errors.Join(refused, err)
		}
		ds = append(append(dsl.Diagnostics{}, refused...), ds...)
		ds.Sort()
		return nil, ds
	}
	factory.Register(f)
}

// authTokenUnsupported are keystonemiddleware's options whose meaning
// pasteserve does not provide, read as auth_token's own are (the section,
// then [keystone_authtoken]): a paste file that gives one fails to build,
// rather than run without what it asks for. They are no field of
// tokenauth.AuthTokenOptions, so a Go caller cannot ask for them.
type authTokenUnsupported struct {
	Cache *string `paste:"cache,group=keystone_authtoken"`
	// AuthType is only looked at: without it keystonemiddleware uses its
	// legacy plugin, whose options follow.
	AuthType        *string `paste:"auth_type,deprecated=auth_plugin,group=keystone_authtoken"`
	AdminUser       *string `paste:"admin_user,group=keystone_authtoken"`
	AdminPassword   *string `paste:"admin_password,group=keystone_authtoken"`
	AdminTenantName *string `paste:"admin_tenant_name,group=keystone_authtoken"`
	AdminToken      *string `paste:"admin_token,group=keystone_authtoken"`
	AuthHost        *string `paste:"auth_host,group=keystone_authtoken"`
	AuthPort        *string `paste:"auth_port,group=keystone_authtoken"`
	AuthProtocol    *string `paste:"auth_protocol,group=keystone_authtoken"`
	IdentityURI     *string `paste:"identity_uri,group=keystone_authtoken"`
	AuthAdminPrefix *string `paste:"auth_admin_prefix,group=keystone_authtoken"`
}

// refuseUnsupportedAuthTokenOptions reports each unsupported option sec
// gives, at its key.
func refuseUnsupportedAuthTokenOptions(sec *options.Section) dsl.Diagnostics {
	var u authTokenUnsupported
	options.Decode(sec, &u) // strings and pointers: nothing to fail
	var errs []error
	if u.Cache != nil {
		errs = append(errs, options.Errorf("cache", "a cache from the WSGI environment (Swift's) does not exist in pasteserve; remove it, and name the memcached servers in memcached_servers to share the token cache"))
	}
	if u.AuthType == nil {
		for _, o := range []struct {
			name  string
			given *string
		}{
			{"admin_user", u.AdminUser}, {"admin_password", u.AdminPassword}, {"admin_tenant_name", u.AdminTenantName},
			{"admin_token", u.AdminToken}, {"auth_host", u.AuthHost}, {"auth_port", u.AuthPort}, {"auth_protocol", u.AuthProtocol},
			{"identity_uri", u.IdentityURI}, {"auth_admin_prefix", u.AuthAdminPrefix},
		} {
			if o.given != nil {
				errs = append(errs, options.Errorf(o.name, "the legacy admin_user/auth_host options are not supported; use auth_type = password with auth_url, username, password, user_domain_name, project_name and project_domain_name"))
			}
		}
	}
	return options.Diagnose(sec, &u, errors.Join(errs...))
}
