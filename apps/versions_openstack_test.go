package apps

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestVersionsNova(t *testing.T) {
	h := mustBuildApp(t, "[app:main]\npaste.app_factory = nova.api.openstack.compute.versions:Versions.factory\n")
	rec := serveReq(h, httptest.NewRequest("GET", "http://nova:8774/", nil))
	want := `{"versions":[` +
		`{"id":"v2.0","status":"SUPPORTED","version":"","min_version":"","updated":"2011-01-21T11:33:21Z","links":[{"rel":"self","href":"http://nova:8774/v2/"}]},` +
		`{"id":"v2.1","status":"CURRENT","version":"2.96","min_version":"2.1","updated":"2013-07-23T11:33:21Z","links":[{"rel":"self","href":"http://nova:8774/v2.1/"}]}]}`
	if rec.Code != 200 || rec.Body.String() != want {
		t.Errorf("%d %s\nwant %s", rec.Code, rec.Body, want)
	}
	// The section's options override nova's defaults.
	h = mustBuildApp(t, "[app:main]\npaste.app_factory = nova.api.openstack.compute.versions:Versions.factory\nv2.1.version = 2.100\n")
	rec = serveReq(h, httptest.NewRequest("GET", "http://nova:8774/", nil))
	if want := `"version":"2.100"`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("v2.1.version = 2.100: %s", rec.Body)
	}
}

// VersionsV2 shows the version mounted where it is: nova's api-paste.ini
// mounts it at /v2 (behind the legacy wrapper) and at /v2.1.
func TestVersionsNovaV2(t *testing.T) {
	src := "[composite:main]\nuse = call:nova.api.openstack.urlmap:urlmap_factory\n/v2: v2\n/v2.1: v2\n" +
		"[app:v2]\npaste.app_factory = nova.api.openstack.compute.versions:VersionsV2.factory\n"
	h := mustBuildApp(t, src)
	for path, want := range map[string]string{
		"/v2.1": `{"version":{"id":"v2.1","status":"CURRENT","version":"2.96","min_version":"2.1","updated":"2013-07-23T11:33:21Z","links":[{"rel":"self","href":"http://nova:8774/v2.1/"}]}}`,
		"/v2/":  `{"version":{"id":"v2.0","status":"SUPPORTED","version":"","min_version":"","updated":"2011-01-21T11:33:21Z","links":[{"rel":"self","href":"http://nova:8774/v2/"}]}}`,
	} {
		rec := serveReq(h, httptest.NewRequest("GET", "http://nova:8774"+path, nil))
		if rec.Code != 200 || rec.Body.String() != want {
			t.Errorf("GET %s = %d %s\nwant %s", path, rec.Code, rec.Body, want)
		}
	}
}

func TestVersionsCinder(t *testing.T) {
	h := mustBuildApp(t, "[app:main]\npaste.app_factory = cinder.api.versions:Versions.factory\n")
	rec := serveReq(h, httptest.NewRequest("GET", "http://cinder:8776/", nil))
	want := `{"versions":[{"id":"v3.0","status":"CURRENT","version":"3.71","min_version":"3.0","links":[{"rel":"self","href":"http://cinder:8776/v3/"}]}]}`
	if rec.Code != 300 || rec.Body.String() != want {
		t.Errorf("%d %s\nwant %s", rec.Code, rec.Body, want)
	}
}

func TestVersionsDocumentOption(t *testing.T) {
	base := "[app:main]\nuse = egg:pasteserve#versions\n"
	wantAppError(t, base+"document = all\n", "3:1", `[app:main] document: "all" is neither versions nor version`)
	rec := serveReq(mustBuildApp(t, base+"document = version\n"), httptest.NewRequest("GET", "http://h/", nil))
	if want := `{"version":{"id":"v2.0","status":"CURRENT","links":[{"rel":"self","href":"http://h/"}]}}`; rec.Body.String() != want {
		t.Errorf("%s\nwant %s", rec.Body, want)
	}
}

func BenchmarkNovaVersions(b *testing.B) {
	h := mustBuildApp(b, "[app:main]\npaste.app_factory = nova.api.openstack.compute.versions:Versions.factory\n")
	b.ReportAllocs()
	for b.Loop() {
		serveReq(h, httptest.NewRequest("GET", "/", nil))
	}
}
