package apps

import (
	"mime"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/rs/zerolog"
)

var (
	novaURLMap   = urlmapFlavor{wildcards: true, mediaTypeVersion: true}
	cinderURLMap = urlmapFlavor{dropKeys: []string{"/v1", "/v2"}}
)

// NovaURLMap is the nova_urlmap factory, and NovaURLMapChildren names
// its apps.
//
// nova's and cinder's copies of Paste's urlmap, as urlmap flavors.
//
// nova.api.openstack.urlmap:urlmap_factory builds nova's URLMap, which
// adds two things to Paste's: keys ending in "/+" (nova's api-paste.ini
// mounts the API at /v2.1/+ and the v2.1 versions document at /v2.1),
// and choosing the API version from the media type's version parameter
// when the path names none. What it does not carry over: nova stores the
// response's media type (from a .json suffix or the Accept header) in
// the WSGI environment for its own serializers; pasteserve has no such
// value, and nova only serializes JSON anyway.
//
// cinder.api:root_app_factory is Paste's urlmap without the /v1 and /v2
// entries that paste files from before those APIs were removed still
// have: cinder drops them with a warning, and so does pasteserve.
func NovaURLMap(l factory.Loader, cfg *factory.Config) (http.Handler, error) {
	return novaURLMap.build(l, cfg)
}

// NovaURLMapChildren names the apps of a nova_urlmap section.
func NovaURLMapChildren(cfg *factory.Config) map[string]string { return novaURLMap.children(cfg) }

// CinderURLMap is the cinder_urlmap factory (see NovaURLMap), and
// CinderURLMapChildren names its apps.
func CinderURLMap(l factory.Loader, cfg *factory.Config) (http.Handler, error) {
	return cinderURLMap.build(l, cfg)
}

// CinderURLMapChildren names the apps of a cinder_urlmap section.
func CinderURLMapChildren(cfg *factory.Config) map[string]string { return cinderURLMap.children(cfg) }

// buildWarnings is where a flavor's build-time warnings go.
var buildWarnings = zerolog.New(os.Stderr).With().Timestamp().Logger()

// childrenOf is URLMapChildren without the dropped keys; it warns about
// them when warn is set.
func (f urlmapFlavor) childrenOf(cfg *factory.Config, warn bool) map[string]string {
	kids := URLMapChildren(cfg)
	for _, k := range f.dropKeys {
		if _, ok := kids[k]; ok {
			if warn {
				buildWarnings.Warn().Str("section", cfg.Section).Str("key", k).Str("position", cfg.Pos(k).String()).
					Msg("this API version has been removed from the service; its urlmap entry is ignored")
			}
			delete(kids, k)
		}
	}
	return kids
}

func (f urlmapFlavor) children(cfg *factory.Config) map[string]string {
	return f.childrenOf(cfg, false)
}

// novaMediaTypes are the types nova serves (nova.api.openstack.wsgi's
// supported content types), in its order.
var novaMediaTypes = []string{"application/vnd.openstack.compute+json", "application/json"}

// mediaTypeVersions returns the API versions r asks for through media
// types, in the order nova's urlmap tries them: the version parameter of
// Content-Type, then that of the Accept type that best matches what nova
// serves (application/atom+xml too for a version's index).
func mediaTypeVersions(r *http.Request, index bool) []string {
	var out []string
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if _, params, err := mime.ParseMediaType(ct); err == nil && params["version"] != "" {
			out = append(out, params["version"])
		}
	}
	if accept := r.Header.Values("Accept"); len(accept) > 0 {
		supported := novaMediaTypes
		if index {
			supported = append(slices.Clip(supported), "application/atom+xml")
		}
		if v := bestAcceptVersion(strings.Join(accept, ","), supported); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// bestAcceptVersion returns the version parameter of the Accept item
// that best matches one of supported, chosen as nova's urlmap Accept
// class does: the highest q, and among equal q the mask with fewer '*'.
func bestAcceptVersion(accept string, supported []string) string {
	type item struct {
		mask   string
		params map[string]string
	}
	var items []item
	for _, part := range strings.Split(accept, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		mask, params, err := mime.ParseMediaType(part)
		if err != nil {
			continue
		}
		items = append(items, item{mask, params})
	}
	bestQ, bestMask, version := -1.0, "*/*", ""
	for _, ct := range supported {
		for _, it := range items {
			q := 1.0
			if s, ok := it.params["q"]; ok {
				v, err := strconv.ParseFloat(s, 64)
				if err != nil {
					continue
				}
				q = v
			}
			if q < bestQ || (q == bestQ && strings.Count(bestMask, "*") <= strings.Count(it.mask, "*")) {
				continue
			}
			if matchMediaMask(it.mask, ct) {
				bestQ, bestMask, version = q, it.mask, it.params["version"]
			}
		}
	}
	return version
}

func matchMediaMask(mask, ct string) bool {
	switch {
	case !strings.Contains(mask, "*"):
		return mask == ct
	case mask == "*/*":
		return true
	}
	major, _, _ := strings.Cut(ct, "/")
	return strings.TrimSuffix(mask, "/*") == major
}
