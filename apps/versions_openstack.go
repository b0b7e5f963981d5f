package apps

import (
	"net/http"

	"github.com/pasteserve/pasteserve/factory"
)

// novaVersionDefaults are nova.api.openstack.compute.versions.VERSIONS.
var novaVersionDefaults = map[string]string{
	"versions":         "v2.0 v2.1",
	"v2.0.status":      "SUPPORTED",
	"v2.0.path":        "/v2/",
	"v2.0.updated":     "2011-01-21T11:33:21Z",
	"v2.1.status":      "CURRENT",
	"v2.1.version":     "2.96",
	"v2.1.min_version": "2.1",
	"v2.1.updated":     "2013-07-23T11:33:21Z",
}

// NovaVersions, NovaVersionsV2 and CinderVersions, the versions apps of
// nova and cinder, are the versions app with their
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
func NovaVersions(cfg *factory.Config) (http.Handler, error) {
	return versionsFlavor{defaults: novaVersionDefaults, fullDocs: true}.build(cfg)
}

// NovaVersionsV2 is nova's {"version": ...} document of the version
// mounted here (v2.0 at /v2, v2.1 at /v2.1); see NovaVersions.
func NovaVersionsV2(cfg *factory.Config) (http.Handler, error) {
	novaV2 := map[string]string{"document": "version"}
	for k, v := range novaVersionDefaults {
		novaV2[k] = v
	}
	return versionsFlavor{defaults: novaV2, fullDocs: true}.build(cfg)
}

// CinderVersions is the versions app with cinder's
// (cinder.api.versions._KNOWN_VERSIONS) as defaults; cinder answers /
// with 300. See NovaVersions.
func CinderVersions(cfg *factory.Config) (http.Handler, error) {
	return versionsFlavor{defaults: map[string]string{
		"versions":         "v3.0",
		"status_code":      "300",
		"v3.0.path":        "/v3/",
		"v3.0.version":     "3.71",
		"v3.0.min_version": "3.0",
	}, fullDocs: true}.build(cfg)
}
