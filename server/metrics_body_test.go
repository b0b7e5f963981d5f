package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// A body sent without a Content-Length is counted through a wrapper of
// the request's own. A reader that outlives its request (http.Transport
// may go on writing a proxied request's body after RoundTrip returns,
// when the upstream answers before it has read it all) reads that
// request's body to its end, never the body of the connection's next
// request, whose state the server reuses; and the sizes are counted
// per request.
func TestCountedBodyIsTheRequests(t *testing.T) {
	var kept io.Reader
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if kept == nil {
			kept = r.Body // read after the request's end, below
			return
		}
		io.Copy(io.Discard, r.Body)
	})
	root := metricsFor("/counted-body-test", "test")
	o := Defaults()
	log := zerolog.Nop()
	h := requestLogger(log, true, observeRequests(root, false, app))
	wc := &wireConn{w: newWire(o, log)}
	serve := func(body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.ContentLength = -1 // chunked
		r = r.WithContext(connContext(r.Context(), wc))
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	serve("first request's body")
	serve("second request's body")
	got, _ := io.ReadAll(kept)
	if string(got) != "first request's body" {
		t.Errorf("the first request's body, read after the second request: %q", got)
	}
}
