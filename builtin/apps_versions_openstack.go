package builtin

import (
	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/factory"
)

func init() {
	factory.Register(versionsFactory(factory.Spec{
		Name:    "nova_versions",
		Aliases: []string{"nova.api.openstack.compute.versions:Versions.factory"},
		Doc:     "versions with nova's v2.0 and v2.1 as defaults",
	}, apps.NovaVersionsOptions))
	factory.Register(versionsFactory(factory.Spec{
		Name:    "nova_versions_v2",
		Aliases: []string{"nova.api.openstack.compute.versions:VersionsV2.factory"},
		Doc:     `nova's {"version": ...} document of the version mounted here (v2.0 at /v2, v2.1 at /v2.1)`,
	}, apps.NovaVersionsV2Options))
	factory.Register(versionsFactory(factory.Spec{
		Name:    "cinder_versions",
		Aliases: []string{"cinder.api.versions:Versions.factory"},
		Doc:     "versions with cinder's v3.0 as default, answered with 300 Multiple Choices",
	}, apps.CinderVersionsOptions))
}
