package apps

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

// novaMap builds nova's osapi_compute composite as its api-paste.ini
// writes it, with whoami apps.
func novaMap(t *testing.T) (h func(path string, header ...string) string) {
	t.Helper()
	src := "[composite:main]\nuse = call:nova.api.openstack.urlmap:urlmap_factory\n" +
		"/: versions\n/v2: legacy_versions\n/v2.1: v21_versions\n/v2/+: legacy_api\n/v2.1/+: api\n"
	for _, n := range []string{"versions", "legacy_versions", "v21_versions", "legacy_api", "api"} {
		src += fmt.Sprintf("[app:%s]\nuse = egg:pasteserve#whoami-test\nname = %s\n", n, n)
	}
	m := mustBuildApp(t, src)
	return func(path string, header ...string) string {
		r := httptest.NewRequest("GET", "http://nova:8774"+path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		return strings.TrimSpace(serveReq(m, r).Body.String())
	}
}

// The "/+" keys of nova's urlmap: /v2.1/+ takes what goes on past
// "/v2.1/", /v2.1 keeps /v2.1 and /v2.1/.
func TestNovaURLMapWildcards(t *testing.T) {
	get := novaMap(t)
	for _, tc := range []struct{ path, want string }{
		{"/", `versions sn="" pi="/"`},
		{"/v2.1", `v21_versions sn="/v2.1" pi=""`},
		{"/v2.1/", `v21_versions sn="/v2.1" pi="/"`},
		{"/v2.1/p1/servers", `api sn="/v2.1" pi="/p1/servers"`},
		{"/v2.1//p1/servers", `api sn="/v2.1" pi="/p1/servers"`},
		{"/v2", `legacy_versions sn="/v2" pi=""`},
		{"/v2/", `legacy_versions sn="/v2" pi="/"`},
		{"/v2/p1/servers", `legacy_api sn="/v2" pi="/p1/servers"`},
		{"/v2.10/x", `versions sn="" pi="/v2.10/x"`},
		{"/v3", `versions sn="" pi="/v3"`},
	} {
		if got := get(tc.path); got != tc.want {
			t.Errorf("GET %s = %s, want %s", tc.path, got, tc.want)
		}
	}
}

// A path that names no version is routed by the version parameter of
// Content-Type, then of the best Accept type; the path stays whole.
func TestNovaURLMapMediaTypeVersion(t *testing.T) {
	get := novaMap(t)
	for _, tc := range []struct {
		path   string
		header []string
		want   string
	}{
		{"/", []string{"Accept", "application/json;version=2.1"}, `v21_versions sn="/v2.1" pi="/"`},
		{"/", []string{"Accept", "application/vnd.openstack.compute+json;version=2"}, `legacy_versions sn="/v2" pi="/"`},
		{"/", []string{"Content-Type", "application/json; version=2"}, `legacy_versions sn="/v2" pi="/"`},
		// Content-Type first, then Accept. A version with no entry of its
		// own matches the root entry, and that ends the search, as in nova.
		{"/", []string{"Content-Type", "application/json;version=2", "Accept", "application/json;version=2.1"}, `legacy_versions sn="/v2" pi="/"`},
		{"/", []string{"Content-Type", "application/json;version=9", "Accept", "application/json;version=2.1"}, `versions sn="" pi="/"`},
		{"/", []string{"Accept", "application/json;version=9"}, `versions sn="" pi="/"`},
		{"/servers", []string{"Accept", "application/json;version=2.1"}, `v21_versions sn="/v2.1" pi="/servers"`},
		// The best Accept item: highest q, then fewer '*'.
		{"/", []string{"Accept", "application/json;q=0.5;version=2, application/json;version=2.1"}, `v21_versions sn="/v2.1" pi="/"`},
		{"/", []string{"Accept", "*/*;version=2, application/json;version=2.1"}, `v21_versions sn="/v2.1" pi="/"`},
		{"/", []string{"Accept", "text/html;version=2"}, `versions sn="" pi="/"`},
		{"/", []string{"Accept", "application/*;version=2"}, `legacy_versions sn="/v2" pi="/"`},
		// A path that names a version wins over the headers.
		{"/v2.1/p1/servers", []string{"Accept", "application/json;version=2"}, `api sn="/v2.1" pi="/p1/servers"`},
		{"/v2", []string{"Accept", "application/json;version=2.1"}, `legacy_versions sn="/v2" pi=""`},
	} {
		if got := get(tc.path, tc.header...); got != tc.want {
			t.Errorf("GET %s %q = %s, want %s", tc.path, tc.header, got, tc.want)
		}
	}
}

// Paste's own urlmap has no wildcards: "/v2.1/+" is a literal path.
func TestPasteURLMapHasNoWildcards(t *testing.T) {
	h, err := buildMap(t, "/ = root\n/foo/+ = foo\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := serve(h, "h", "/foo/x"); got != `root sn="" pi="/foo/x"` {
		t.Errorf("GET /foo/x = %s", got)
	}
	if got := serve(h, "h", "/foo/+/x"); got != `foo sn="/foo/+" pi="/x"` {
		t.Errorf("GET /foo/+/x = %s", got)
	}
}
