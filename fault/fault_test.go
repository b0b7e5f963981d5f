package fault_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pasteserve/pasteserve/fault"
	"github.com/pasteserve/pasteserve/request"
)

func TestWrite(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r = r.WithContext(request.WithID(r.Context(), "req-1"))
	rec := httptest.NewRecorder()
	rec.Header().Set("Content-Encoding", "gzip")
	fault.Write(rec, r, http.StatusServiceUnavailable, "Try later.")
	const want = `{"code":"503 Service Unavailable","title":"Service Unavailable","message":"Try later.","request_id":"req-1"}`
	if rec.Code != 503 || rec.Body.String() != want || rec.Header().Get("Content-Type") != "application/json" ||
		rec.Header().Get("Content-Length") != fmt.Sprint(len(want)) || rec.Header().Get("Content-Encoding") != "" {
		t.Errorf("%d %v\n%s\nwant %s", rec.Code, rec.Header(), rec.Body, want)
	}
	rec = httptest.NewRecorder()
	fault.Write(rec, httptest.NewRequest("HEAD", "/", nil), http.StatusUnauthorized, "Who are you?")
	if rec.Code != 401 || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD: %d %v %q", rec.Code, rec.Header(), rec.Body)
	}
}

// A filter that refuses a request answers with the fault webob would.
func ExampleWrite() {
	refuse := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Auth-Token") == "" {
				fault.Write(w, r, http.StatusUnauthorized, "The request you have made requires authentication.")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	h := refuse(http.NotFoundHandler())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/servers", nil))
	fmt.Println(rec.Code, rec.Body)
	// Output:
	// 401 {"code":"401 Unauthorized","title":"Unauthorized","message":"The request you have made requires authentication."}
}
