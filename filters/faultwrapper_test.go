package filters

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFaultWrapper(t *testing.T) {
	for _, ref := range []string{"nova.api.openstack:FaultWrapper.factory", "cinder.api.middleware.fault:FaultWrapper.factory"} {
		var logBuf bytes.Buffer
		src := "[pipeline:main]\npipeline = compute_req_id faultwrap app\n" +
			"[filter:compute_req_id]\npaste.filter_factory = nova.api.compute_req_id:ComputeReqIdMiddleware.factory\n" +
			"[filter:faultwrap]\npaste.filter_factory = " + ref + "\n" +
			"[app:app]\nuse = egg:pasteserve#filters-test-app\n"
		h := withLogger(mustBuild(t, src), &logBuf)
		r := httptest.NewRequest("GET", "/x?panic=1", nil)
		r.Header.Set("X-Auth-Token", "secret-token")
		rec := do(h, r)
		want := `{"computeFault":{"code":500,"message":"The server has either erred or is incapable of performing the requested operation."}}`
		if rec.Code != 500 || rec.Body.String() != want || rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %v %s", ref, rec.Code, rec.Header(), rec.Body)
		}
		// The request id filter outside it still answers its headers.
		if id := rec.Header().Get("X-Openstack-Request-Id"); id == "" || rec.Header().Get("X-Compute-Request-Id") != id {
			t.Errorf("%s: request ids %v", ref, rec.Header())
		}
		log := logBuf.String()
		if !strings.Contains(log, `"panic":"boom: secret-in-panic"`) || !strings.Contains(log, `"stack":"goroutine`) || strings.Contains(log, "secret-token") {
			t.Errorf("%s: log:\n%s", ref, log)
		}
		if rec := get(h, "/?status=404"); rec.Code != 404 {
			t.Errorf("%s: a 404 passes through: %d", ref, rec.Code)
		}
		if rec := do(h, httptest.NewRequest("HEAD", "/?panic=1", nil)); rec.Code != 500 || rec.Body.Len() != 0 {
			t.Errorf("%s: HEAD: %d %q", ref, rec.Code, rec.Body)
		}
	}
}

func BenchmarkFaultWrapper(b *testing.B) {
	benchFilter(b, benchPaste("paste.filter_factory = nova.api.openstack:FaultWrapper.factory"), func() *http.Request {
		return httptest.NewRequest("GET", "/", nil)
	})
}
