package apps_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/pasteserve/pasteserve/apps"
)

// The versions app as a plain http.Handler: no paste file, no registry.
// Its links follow the request's scheme, host and script name.
func ExampleNewVersions() {
	h, err := apps.NewVersions(apps.VersionsOptions{
		Versions: []apps.Version{
			{ID: "v2.0", Status: "supported", Path: "/v2/"},
			{ID: "v2.1", Status: "CURRENT", Path: "/v2.1/", Version: "2.96", MinVersion: "2.1"},
		},
		StatusCode: 200,
		Document:   "versions",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "https://compute.example.com/", nil))
	fmt.Println(rec.Code, rec.Body)

	// Nova's own defaults, as its paste file gets them.
	rec = httptest.NewRecorder()
	nova, _ := apps.NewVersions(apps.NovaVersionsV2Options())
	nova.ServeHTTP(rec, httptest.NewRequest("GET", "http://nova:8774/", nil))
	fmt.Println(rec.Body)

	// An option that cannot work is an error, by its paste name.
	_, err = apps.NewVersions(apps.VersionsOptions{Versions: []apps.Version{{ID: "v3", Status: "LATEST", Path: "/v3/"}}, StatusCode: 200, Document: "versions"})
	fmt.Println(err)
	// Output:
	// 200 {"versions":[{"id":"v2.0","status":"SUPPORTED","links":[{"rel":"self","href":"https://compute.example.com/v2/"}]},{"id":"v2.1","status":"CURRENT","version":"2.96","min_version":"2.1","links":[{"rel":"self","href":"https://compute.example.com/v2.1/"}]}]}
	// {"version":{"id":"v2.0","status":"SUPPORTED","version":"","min_version":"","updated":"2011-01-21T11:33:21Z","links":[{"rel":"self","href":"http://nova:8774/"}]}}
	// v3.status: "LATEST" is not CURRENT, SUPPORTED, DEPRECATED or EXPERIMENTAL
}
