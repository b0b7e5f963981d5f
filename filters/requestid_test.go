package filters

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/reqlog"
	"github.com/pasteserve/pasteserve/request"
)

const goodID = "req-0123abcd-4567-89ab-cdef-0123456789ab"

func TestRequestIDReferences(t *testing.T) {
	for _, use := range []string{
		"use = egg:oslo.middleware#request_id",
		"paste.filter_factory = oslo_middleware:RequestId.factory",
		"paste.filter_factory = oslo_middleware.request_id:RequestId.factory",
		"paste.filter_factory = cinder.api.middleware.request_id:RequestId.factory",
		"use = egg:pasteserve#request_id",
	} {
		rec := get(mustBuild(t, filterPaste(use)), "/")
		if id := rec.Header().Get("X-Openstack-Request-Id"); !request.ValidID(id) {
			t.Errorf("%s: x-openstack-request-id = %q", use, id)
		}
	}
}

func TestRequestIDNewPerRequest(t *testing.T) {
	h := mustBuild(t, filterPaste("use = egg:oslo.middleware#request_id"))
	seen := map[string]bool{}
	for range 50 {
		rec := get(h, "/")
		id := rec.Header().Get("X-Openstack-Request-Id")
		if !request.ValidID(id) || id[18] != '4' || !strings.ContainsRune("89ab", rune(id[23])) {
			t.Fatalf("id %q is not req-<uuid4>", id)
		}
		if seen[id] {
			t.Fatalf("id %q repeated", id)
		}
		seen[id] = true
		if got := line(rec.Body.String(), "rid"); got != id {
			t.Errorf("request.ID(ctx) = %q, header %q", got, id)
		}
	}
}

func TestRequestIDGlobal(t *testing.T) {
	h := mustBuild(t, filterPaste("use = egg:oslo.middleware#request_id"))
	for in, want := range map[string]string{
		goodID:                  goodID,
		strings.ToUpper(goodID): "", // oslo's pattern is lower-case only
		"req-123":               "",
		goodID + "\nfake log":   "",
		"abc " + goodID:         "",
		"":                      "",
	} {
		rec := get(h, "/", "X-OpenStack-Request-ID", in)
		body := rec.Body.String()
		if got := line(body, "grid"); got != want {
			t.Errorf("inbound %q: global id %q, want %q", in, got, want)
		}
		if local := rec.Header().Get("X-Openstack-Request-Id"); local == in {
			t.Errorf("inbound %q became the local id", in)
		}
	}
}

func TestRequestIDCompatHeaders(t *testing.T) {
	h := mustBuild(t, filterPaste("use = egg:oslo.middleware#request_id", "compat_headers = x-compute-request-id, X-Other-Id"))
	rec := get(h, "/")
	id := rec.Header().Get("X-Openstack-Request-Id")
	if rec.Header().Get("X-Compute-Request-Id") != id || rec.Header().Get("X-Other-Id") != id {
		t.Errorf("compat headers: %v", rec.Header())
	}
	h = mustBuild(t, filterPaste("paste.filter_factory = nova.api.compute_req_id:ComputeReqIdMiddleware.factory"))
	rec = get(h, "/")
	if id := rec.Header().Get("X-Compute-Request-Id"); !request.ValidID(id) || rec.Header().Get("X-Openstack-Request-Id") != id {
		t.Errorf("compute_req_id headers: %v", rec.Header())
	}
}

// An app that sets the header itself keeps its value, as oslo leaves a
// present header alone.
func TestRequestIDAppHeaderWins(t *testing.T) {
	mw, err := NewRequestID(RequestIDOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Openstack-Request-Id", "mine")
	}))
	if got := get(h, "/").Header().Values("X-Openstack-Request-Id"); len(got) != 1 || got[0] != "mine" {
		t.Errorf("header = %q", got)
	}
}

func TestRequestIDLogger(t *testing.T) {
	var buf bytes.Buffer
	mw, _ := NewRequestID(RequestIDOptions{})
	var logged string
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqlog.From(r.Context()).Info().Msg("inside")
		logged = request.ID(r.Context())
	}))
	// The logger outside sees the id too: hlog's convention.
	outer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		reqlog.From(r.Context()).Info().Msg("outside")
	})
	do(withLogger(outer, &buf), httptest.NewRequest("GET", "/", nil))
	do(withLogger(outer, &buf), func() *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set(request.IDHeader, goodID)
		return r
	}())
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("log:\n%s", buf.String())
	}
	if !strings.Contains(lines[2], `"request_id":"`+logged) || !strings.Contains(lines[1], `"request_id":"req-`) {
		t.Errorf("request id not logged:\n%s", buf.String())
	}
	if strings.Contains(lines[1], "global_request_id") || !strings.Contains(lines[3], `"global_request_id":"`+goodID+`"`) {
		t.Errorf("global id logging:\n%s", buf.String())
	}
	// Each request has its own fields: the second does not repeat the first's.
	if strings.Count(lines[3], "request_id") != 2 {
		t.Errorf("fields leaked between requests:\n%s", buf.String())
	}
}

func BenchmarkRequestID(b *testing.B) {
	benchFilter(b, benchPaste("use = egg:oslo.middleware#request_id"), func() *http.Request {
		return httptest.NewRequest("GET", "/", nil)
	})
}
