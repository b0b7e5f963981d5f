package builtin

import (
	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/factory"
)

func init() {
	factory.Register(factory.Factory{
		Name:    "nova_versions",
		Aliases: []string{"nova.api.openstack.compute.versions:Versions.factory"},
		Kind:    factory.KindApp,
		Doc:     "versions with nova's v2.0 and v2.1 as defaults",
		App:     apps.NovaVersions,
	})
	factory.Register(factory.Factory{
		Name:    "nova_versions_v2",
		Aliases: []string{"nova.api.openstack.compute.versions:VersionsV2.factory"},
		Kind:    factory.KindApp,
		Doc:     `nova's {"version": ...} document of the version mounted here (v2.0 at /v2, v2.1 at /v2.1)`,
		App:     apps.NovaVersionsV2,
	})
	factory.Register(factory.Factory{
		Name:    "cinder_versions",
		Aliases: []string{"cinder.api.versions:Versions.factory"},
		Kind:    factory.KindApp,
		Doc:     "versions with cinder's v3.0 as default, answered with 300 Multiple Choices",
		App:     apps.CinderVersions,
	})
}
