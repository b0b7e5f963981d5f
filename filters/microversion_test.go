package filters

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestMicroversion(t *testing.T) {
	h := mustBuild(t, filterPaste("use = egg:pasteserve#microversion", "service_type = compute", "min_version = 2.1", "max_version = 2.96",
		"legacy_headers = X-OpenStack-Nova-API-Version"))
	for _, tc := range []struct {
		headers []string
		code    int
		chosen  string
	}{
		{nil, 200, "2.1"},
		{[]string{"OpenStack-API-Version", "compute 2.79"}, 200, "2.79"},
		{[]string{"OpenStack-API-Version", "volume 3.0, compute latest"}, 200, "2.96"},
		{[]string{"OpenStack-API-Version", "COMPUTE 2.10"}, 200, "2.10"},
		{[]string{"OpenStack-API-Version", "volume 3.60"}, 200, "2.1"},
		{[]string{"X-OpenStack-Nova-API-Version", "2.5"}, 200, "2.5"},
		{[]string{"OpenStack-API-Version", "compute 2.97"}, 406, ""},
		{[]string{"OpenStack-API-Version", "compute 2.0"}, 406, ""},
		{[]string{"OpenStack-API-Version", "compute 3.1"}, 406, ""},
		{[]string{"OpenStack-API-Version", "compute two"}, 400, ""},
		{[]string{"OpenStack-API-Version", "compute 2.-1"}, 400, ""},
	} {
		rec := get(h, "/", tc.headers...)
		if rec.Code != tc.code {
			t.Errorf("%v: %d %s", tc.headers, rec.Code, rec.Body)
			continue
		}
		if rec.Header().Get("Vary") != "OpenStack-API-Version, X-Openstack-Nova-Api-Version" {
			t.Errorf("%v: Vary %q", tc.headers, rec.Header().Get("Vary"))
		}
		if tc.code == 200 && (rec.Header().Get("OpenStack-API-Version") != "compute "+tc.chosen || rec.Header().Get("X-OpenStack-Nova-API-Version") != tc.chosen) {
			t.Errorf("%v: %v", tc.headers, rec.Header())
		}
	}
}

func TestAPIVersionContext(t *testing.T) {
	mw, err := NewMicroversion(MicroversionOptions{ServiceType: "volume", MinVersion: "3.0", MaxVersion: "3.70"})
	if err != nil {
		t.Fatal(err)
	}
	var got Version
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got, _ = APIVersion(r.Context()) }))
	get(h, "/", "OpenStack-API-Version", "volume 3.42")
	if got != (Version{3, 42}) {
		t.Errorf("APIVersion = %v", got)
	}
	if _, ok := APIVersion(context.Background()); ok {
		t.Errorf("APIVersion without the filter")
	}
}

func TestMicroversionBadOptions(t *testing.T) {
	use := "use = egg:pasteserve#microversion"
	wantBuildError(t, filterPaste(use, "min_version = 1.0", "max_version = 1.1"), "3:1", "[filter:f] service_type: is required")
	wantBuildError(t, filterPaste(use, "service_type = compute", "max_version = 1.1"), "3:1", "[filter:f] min_version: is required")
	wantBuildError(t, filterPaste(use, "service_type = compute", "min_version = 1", "max_version = 1.1"), "6:1", `[filter:f] min_version: "1" is not a version X.Y`)
	wantBuildError(t, filterPaste(use, "service_type = compute", "min_version = 1.5", "max_version = 1.1"), "7:1", "[filter:f] max_version: 1.1 is below min_version 1.5")
	wantBuildError(t, filterPaste(use, "service_type = compute", "min_version = 1.0", "max_version = 1.1", "legacy_headers = X:Y"), "8:1", `[filter:f] legacy_headers: "X:Y" is not a header name`)
}

func BenchmarkMicroversion(b *testing.B) {
	benchFilter(b, benchPaste("use = egg:pasteserve#microversion", "service_type = compute", "min_version = 2.1", "max_version = 2.96"), func() *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("OpenStack-API-Version", "compute 2.79")
		return r
	})
}
