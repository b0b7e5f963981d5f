package apps

import (
	"github.com/pasteserve/pasteserve/factory"
)

// The versions apps of nova and cinder are the versions app with their
// project's versions as defaults, so that their unchanged paste files
// answer what the Python apps answer. Every default can be overridden
// in the paste section with the versions app's options; the largest
// microversion in particular belongs to the release of the service that
// actually runs behind pasteserve (v2.1.version, v3.0.version).
//
// Not reproduced (docs/apps.md): the "describedby" link and the
// "media-types" list of each version, nova's 300 Multiple Choices
// document for paths other than /, and the updated date of cinder's
// version.
func init() {
	// nova.api.openstack.compute.versions.VERSIONS.
	nova := map[string]string{
		"versions":         "v2.0 v2.1",
		"v2.0.status":      "SUPPORTED",
		"v2.0.path":        "/v2/",
		"v2.0.updated":     "2011-01-21T11:33:21Z",
		"v2.1.status":      "CURRENT",
		"v2.1.version":     "2.96",
		"v2.1.min_version": "2.1",
		"v2.1.updated":     "2013-07-23T11:33:21Z",
	}
	factory.Register(factory.Factory{
		Name:    "nova_versions",
		Aliases: []string{"nova.api.openstack.compute.versions:Versions.factory"},
		Kind:    factory.KindApp,
		Doc:     "versions with nova's v2.0 and v2.1 as defaults",
		App:     versionsFlavor{defaults: nova, fullDocs: true}.build,
	})
	novaV2 := map[string]string{"document": "version"}
	for k, v := range nova {
		novaV2[k] = v
	}
	factory.Register(factory.Factory{
		Name:    "nova_versions_v2",
		Aliases: []string{"nova.api.openstack.compute.versions:VersionsV2.factory"},
		Kind:    factory.KindApp,
		Doc:     `nova's {"version": ...} document of the version mounted here (v2.0 at /v2, v2.1 at /v2.1)`,
		App:     versionsFlavor{defaults: novaV2, fullDocs: true}.build,
	})
	// cinder.api.versions._KNOWN_VERSIONS; cinder answers / with 300.
	factory.Register(factory.Factory{
		Name:    "cinder_versions",
		Aliases: []string{"cinder.api.versions:Versions.factory"},
		Kind:    factory.KindApp,
		Doc:     "versions with cinder's v3.0 as default, answered with 300 Multiple Choices",
		App: versionsFlavor{defaults: map[string]string{
			"versions":         "v3.0",
			"status_code":      "300",
			"v3.0.path":        "/v3/",
			"v3.0.version":     "3.71",
			"v3.0.min_version": "3.0",
		}, fullDocs: true}.build,
	})
}
