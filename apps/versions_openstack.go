package apps

// NovaVersionsOptions, NovaVersionsV2Options and CinderVersionsOptions
// are, for the versions apps of nova and cinder, the versions app's
// options with their project's versions as defaults, so that their
// unchanged paste files answer what the Python apps answer. Every
// default can be overridden in the paste section with the versions
// app's options; the largest microversion in particular belongs to the
// release of the service that actually runs behind pasteserve
// (v2.1.version, v3.0.version).
//
// Not reproduced (docs/apps.md): the "describedby" link and the
// "media-types" list of each version, nova's 300 Multiple Choices
// document for paths other than /, and the updated date of cinder's
// version.
//
// NovaVersionsOptions are nova.api.openstack.compute.versions.VERSIONS.
func NovaVersionsOptions() VersionsOptions {
	return VersionsOptions{
		Versions: []Version{
			{ID: "v2.0", Status: "SUPPORTED", Path: "/v2/", Updated: "2011-01-21T11:33:21Z"},
			{ID: "v2.1", Status: "CURRENT", Path: "/v2.1/", Version: "2.96", MinVersion: "2.1", Updated: "2013-07-23T11:33:21Z"},
		},
		StatusCode:    200,
		Document:      "versions",
		AlwaysVersion: true,
	}
}

// NovaVersionsV2Options are nova's VersionsV2: the {"version": ...}
// document of the version mounted here (v2.0 at /v2, v2.1 at /v2.1),
// with NovaVersionsOptions' versions.
func NovaVersionsV2Options() VersionsOptions {
	o := NovaVersionsOptions()
	o.Document = "version"
	return o
}

// CinderVersionsOptions are cinder.api.versions._KNOWN_VERSIONS; cinder
// answers / with 300 Multiple Choices. See NovaVersionsOptions.
func CinderVersionsOptions() VersionsOptions {
	return VersionsOptions{
		Versions:      []Version{{ID: "v3.0", Status: "CURRENT", Path: "/v3/", Version: "3.71", MinVersion: "3.0"}},
		StatusCode:    300,
		Document:      "versions",
		AlwaysVersion: true,
	}
}
