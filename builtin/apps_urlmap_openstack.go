package builtin

import (
	"os"

	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/rs/zerolog"
)

func init() {
	factory.Register(urlmapFactory(factory.Spec{
		Name:    "nova_urlmap",
		Aliases: []string{"call:nova.api.openstack.urlmap:urlmap_factory"},
		Doc:     `urlmap with nova's "/+" keys and version selection by Content-Type or Accept (version=2.1)`,
	}, apps.NewNovaURLMap, nil))
	factory.Register(urlmapFactory(factory.Spec{
		Name:    "cinder_urlmap",
		Aliases: []string{"call:cinder.api:root_app_factory"},
		Doc:     "urlmap that drops the /v1 and /v2 entries of old paste files, with a warning, as cinder's root_app_factory",
	}, apps.NewURLMap, dropCinderRemovedRoutes))
}

// cinderRemovedRoutes are the keys cinder's root_app_factory drops, with a
// warning: paste files from before those APIs were removed still mount
// them, often on apps that no longer exist. Dropped before resolution, so
// their apps are never loaded.
var cinderRemovedRoutes = []string{"/v1", "/v2"}

// buildWarnings is where a paste side's build-time warnings go (a factory
// has no way to return them).
var buildWarnings = zerolog.New(os.Stderr).With().Timestamp().Logger()

func dropCinderRemovedRoutes(cfg *factory.Config, routes map[string]string, warn bool) {
	for _, k := range cinderRemovedRoutes {
		if _, ok := routes[k]; ok {
			if warn {
				buildWarnings.Warn().Str("section", cfg.Section).Str("key", k).Str("position", cfg.Pos(k).String()).
					Msg("this API version has been removed from the service; its urlmap entry is ignored")
			}
			delete(routes, k)
		}
	}
}
