package filters

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/fault"
)

// chunked is a body of n bytes whose length the request does not declare.
func chunked(method, target string, n int) *http.Request {
	r := httptest.NewRequest(method, target, io.NopCloser(strings.NewReader(strings.Repeat("x", n))))
	r.ContentLength = -1
	return r
}

func sized(target string, n int) *http.Request {
	return httptest.NewRequest("POST", target, strings.NewReader(strings.Repeat("x", n)))
}

func TestSizeLimitReferences(t *testing.T) {
	for _, use := range []string{
		"use = egg:oslo.middleware#sizelimit",
		"paste.filter_factory = oslo_middleware:RequestBodySizeLimiter.factory",
		"paste.filter_factory = oslo_middleware.sizelimit:RequestBodySizeLimiter.factory",
		"paste.filter_factory = nova.api.sizelimit:RequestBodySizeLimiter.factory",
		"paste.filter_factory = cinder.api.sizelimit:RequestBodySizeLimiter.factory",
		"paste.filter_factory = venus.api.middleware.sizelimit:RequestBodySizeLimiter.factory",
	} {
		h := mustBuild(t, filterPaste(use))
		if rec := do(h, sized("/", DefaultMaxRequestBodySize+1)); rec.Code != 413 {
			t.Errorf("%s: %d", use, rec.Code)
		}
		if rec := do(h, sized("/?read=1", DefaultMaxRequestBodySize)); rec.Code != 200 {
			t.Errorf("%s: at the limit: %d", use, rec.Code)
		}
	}
}

func TestSizeLimitDeclared(t *testing.T) {
	h := mustBuild(t, filterPaste("use = egg:oslo.middleware#sizelimit", "max_request_body_size = 10"))
	rec := do(h, sized("/", 11))
	var f fault.Body
	json.Unmarshal(rec.Body.Bytes(), &f)
	if rec.Code != 413 || f.Message != "Request is too large. Larger than max_request_body_size (10)." {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
	if rec := do(h, sized("/?read=1", 10)); rec.Code != 200 || line(rec.Body.String(), "read") != "10 err=<nil>" {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}

func TestSizeLimitChunked(t *testing.T) {
	h := mustBuild(t, filterPaste("use = egg:oslo.middleware#sizelimit", "max_request_body_size = 10"))
	// The test app answers 400 on a read error; the filter makes it 413.
	rec := do(h, chunked("POST", "/?read=1", 11))
	if rec.Code != 413 || !strings.Contains(rec.Body.String(), "Larger than max_request_body_size (10)") {
		t.Errorf("chunked over: %d %s", rec.Code, rec.Body)
	}
	if rec := do(h, chunked("POST", "/?read=1", 10)); rec.Code != 200 || line(rec.Body.String(), "read") != "10 err=<nil>" {
		t.Errorf("chunked at limit: %d %s", rec.Code, rec.Body)
	}
	// An app that ignores the read error and answers nothing gets the 413 too.
	mw, _ := NewSizeLimit(SizeLimitOptions{MaxRequestBodySize: 3})
	quiet := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.ReadAll(r.Body) }))
	if rec := do(quiet, chunked("POST", "/", 4)); rec.Code != 413 {
		t.Errorf("silent app: %d", rec.Code)
	}
	// An app that answered before reading keeps its answer.
	early := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(202)
		io.ReadAll(r.Body)
		io.WriteString(w, "done")
	}))
	if rec := do(early, chunked("POST", "/", 4)); rec.Code != 202 || rec.Body.String() != "done" {
		t.Errorf("early answer: %d %q", rec.Code, rec.Body)
	}
}

func TestSizeLimitBadOptions(t *testing.T) {
	wantBuildError(t, filterPaste("use = egg:oslo.middleware#sizelimit", "max_request_body_size = 112KiB"), "5:1", `[filter:f] max_request_body_size: "112KiB" is not a whole number`)
	wantBuildError(t, filterPaste("use = egg:oslo.middleware#sizelimit", "max_request_body_size = -5"), "5:1", `[filter:f] max_request_body_size: -5 is negative`)
}

func BenchmarkSizeLimit(b *testing.B) {
	benchFilter(b, benchPaste("use = egg:oslo.middleware#sizelimit"), func() *http.Request {
		return httptest.NewRequest("POST", "/", strings.NewReader("{}"))
	})
}
