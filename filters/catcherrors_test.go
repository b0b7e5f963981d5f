package filters

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/fault"
	"github.com/pasteserve/pasteserve/redact"
)

func TestCatchErrorsReferences(t *testing.T) {
	for _, use := range []string{
		"use = egg:oslo.middleware#catch_errors",
		"paste.filter_factory = oslo_middleware:CatchErrors.factory",
		"paste.filter_factory = oslo_middleware.catch_errors:CatchErrors.factory",
	} {
		rec := get(mustBuild(t, filterPaste(use)), "/?panic=1")
		if rec.Code != 500 {
			t.Errorf("%s: status %d", use, rec.Code)
		}
	}
}

func TestCatchErrorsFault(t *testing.T) {
	var logBuf bytes.Buffer
	src := "[pipeline:main]\npipeline = request_id catch_errors app\n" +
		"[filter:request_id]\nuse = egg:oslo.middleware#request_id\n" +
		"[filter:catch_errors]\nuse = egg:oslo.middleware#catch_errors\n" +
		"[app:app]\nuse = egg:pasteserve#filters-test-app\n"
	h := withLogger(mustBuild(t, src), &logBuf)
	r := httptest.NewRequest("GET", "/x?panic=1", nil)
	r.Header.Set("X-Auth-Token", "secret-token")
	r.Header.Set("X-Service-Token", "secret-service")
	r.Header.Set("Authorization", "Basic c2VjcmV0")
	r.Header.Set("X-Visible", "shown")
	rec := do(h, r)
	if rec.Code != 500 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, headers %v", rec.Code, rec.Header())
	}
	var f fault.Body
	if err := json.Unmarshal(rec.Body.Bytes(), &f); err != nil {
		t.Fatal(err)
	}
	id := rec.Header().Get("X-Openstack-Request-Id")
	if f.Code != "500 Internal Server Error" || f.Title != "Internal Server Error" || f.Message != internalErrorMessage || f.RequestID != id || id == "" {
		t.Errorf("fault %+v, request id %q", f, id)
	}
	if strings.Contains(rec.Body.String(), "boom") || strings.Contains(rec.Body.String(), "goroutine") {
		t.Errorf("body leaks the failure: %s", rec.Body)
	}
	log := logBuf.String()
	for _, want := range []string{`"level":"error"`, `"panic":"boom: secret-in-panic"`, `"stack":"goroutine`, `"X-Visible":"shown"`, `"request_id":"` + id, `"path":"/x"`} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}
	for _, secret := range []string{"secret-token", "secret-service", "c2VjcmV0"} {
		if strings.Contains(log, secret) {
			t.Errorf("log leaks %s:\n%s", secret, log)
		}
	}
}

func TestCatchErrorsPassesThrough(t *testing.T) {
	h := mustBuild(t, filterPaste("use = egg:oslo.middleware#catch_errors"))
	if rec := get(h, "/?status=404"); rec.Code != 404 || line(rec.Body.String(), "path") != "/" {
		t.Errorf("status %d body %s", rec.Code, rec.Body)
	}
}

// A panic after the status line went out aborts the connection: the
// client must not take a truncated body for a whole one.
func TestCatchErrorsAfterHeaders(t *testing.T) {
	mw, _ := NewCatchErrors(CatchErrorsOptions{})
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, "partial")
		http.NewResponseController(w).Flush()
		panic("late")
	}))
	srv := httptest.NewServer(withLogger(h, &bytes.Buffer{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Errorf("status %d: body read without error after a late panic", resp.StatusCode)
	}
}

func TestCatchErrorsKeepsAbort(t *testing.T) {
	mw, _ := NewCatchErrors(CatchErrorsOptions{})
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) }))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v", v)
		}
	}()
	get(h, "/")
}

func TestMaskedHeaders(t *testing.T) {
	h := http.Header{}
	for _, k := range []string{"X-Auth-Token", "X-Subject-Token", "X-Storage-Token", "Cookie", "Proxy-Authorization"} {
		h.Set(k, "s")
	}
	h.Set("X-Tokenish", "v")
	for k, v := range redact.Headers(h) {
		if (k == "X-Tokenish") != (v == "v") {
			t.Errorf("%s = %s", k, v)
		}
	}
}

func BenchmarkCatchErrors(b *testing.B) {
	benchFilter(b, benchPaste("use = egg:oslo.middleware#catch_errors"), func() *http.Request {
		return httptest.NewRequest("GET", "/", nil)
	})
}
