package apps

import (
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// novaURLMap is what nova's copy of Paste's urlmap adds to it.
var novaURLMap = urlmapFlavor{wildcards: true, mediaTypeVersion: true}

// NewNovaURLMap returns nova's urlmap
// (nova.api.openstack.urlmap:urlmap_factory): NewURLMap with two things
// of nova's added. A key ending in "/+" matches only paths that go on
// past its '/' (nova's api-paste.ini mounts the API at "/v2.1/+" and
// the v2.1 versions document at "/v2.1"); in Paste's urlmap "/+" is part
// of a literal path. And a request whose path matches only the root
// entry, or nothing, is routed by the version parameter of its
// Content-Type, else of its best Accept type ("application/json;
// version=2.1" goes to the "/v2.1" entry), its path left whole, as
// nova's _set_script_name leaves it.
//
// What it does not carry over: nova stores the response's media type
// (from a .json suffix or the Accept header) in the WSGI environment for
// its own serializers; pasteserve has no such value, and nova only
// serializes JSON anyway.
//
// cinder's copy (cinder.api:root_app_factory) is Paste's urlmap without
// the /v1 and /v2 entries that paste files from before those APIs were
// removed still have; cinder drops them with a warning, and so does the
// paste side of cinder_urlmap (package builtin). From Go, NewURLMap is
// cinder's: mount no /v1.
func NewNovaURLMap(o URLMapOptions) (http.Handler, error) {
	return novaURLMap.build(o)
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
