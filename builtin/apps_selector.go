package builtin

import (
	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/factory"
)

func init() {
	register := func(name string, s apps.Selector, aliases ...string) {
		factory.Register(factory.Factory{
			Name:      name,
			Aliases:   aliases,
			Kind:      factory.KindComposite,
			Doc:       "picks one of several pipelines by the global " + s.Setting + " (default " + s.Default + ")",
			Children:  s.Children,
			Composite: s.Composite,
		})
	}
	register("pipeline_selector", apps.Selector{Setting: "auth_strategy", Default: "keystone"},
		"call:neutron.auth:pipeline_factory",
		"call:quantum.auth:pipeline_factory",
		"call:cinder.api.auth:pipeline_factory",
		"call:cinder.api.middleware.auth:pipeline_factory",
		"call:congress.auth:pipeline_factory",
		"call:designate.api.middleware:auth_pipeline_factory",
		"call:ec2api.api.auth:pipeline_factory",
		"call:karbor.api.middleware.auth:pipeline_factory",
		"call:manila.api.middleware.auth:pipeline_factory",
		"call:masakari.api.auth:pipeline_factory_v1",
		"call:nova.api.auth:pipeline_factory",
		"call:nova.api.auth:pipeline_factory_v21",
		"call:tacker.auth:pipeline_factory",
		"call:venus.api.middleware.auth:pipeline_factory",
	)
	register("flavor_selector", apps.Selector{Setting: "flavor", Default: "default"},
		"glance.api:pipeline_factory",
		"heat.api:pipeline_factory",
	)
}
