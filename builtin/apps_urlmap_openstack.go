package builtin

import (
	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/factory"
)

func init() {
	factory.Register(factory.Factory{
		Name:      "nova_urlmap",
		Aliases:   []string{"call:nova.api.openstack.urlmap:urlmap_factory"},
		Kind:      factory.KindComposite,
		Doc:       `urlmap with nova's "/+" keys and version selection by Content-Type or Accept (version=2.1)`,
		Composite: apps.NovaURLMap,
		Children:  apps.NovaURLMapChildren,
	})
	factory.Register(factory.Factory{
		Name:      "cinder_urlmap",
		Aliases:   []string{"call:cinder.api:root_app_factory"},
		Kind:      factory.KindComposite,
		Doc:       "urlmap that drops the /v1 and /v2 entries of old paste files, with a warning, as cinder's root_app_factory",
		Composite: apps.CinderURLMap,
		Children:  apps.CinderURLMapChildren,
	})
}
