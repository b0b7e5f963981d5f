package server

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestCountedBodyReadAfterRequest: a body without a Content-Length is
// counted through the connection's countedBody, which the request's end
// empties. A reader that outlives the handler (http.Transport may go on
// writing a proxied request's body after RoundTrip returns, when the
// upstream answers before it has read it all) then gets an error, not
// a nil dereference in a goroutine of its own, which would end the
// process.
func TestCountedBodyReadAfterRequest(t *testing.T) {
	b := &countedBody{ReadCloser: io.NopCloser(strings.NewReader("abc"))}
	p := make([]byte, 2)
	if n, err := b.Read(p); n != 2 || err != nil {
		t.Fatalf("Read = %d, %v", n, err)
	}
	b.ReadCloser = nil // metricsLayer.observe, at the request's end
	func() {
		defer func() {
			if v := recover(); v != nil {
				t.Fatalf("Read after the request's end panicked: %v", v)
			}
		}()
		if n, err := b.Read(p); n != 0 || !errors.Is(err, http.ErrBodyReadAfterClose) {
			t.Errorf("Read after the request's end = %d, %v; want 0, %v", n, err, http.ErrBodyReadAfterClose)
		}
		if err := b.Close(); err != nil {
			t.Errorf("Close after the request's end = %v", err)
		}
	}()
	if b.n != 2 {
		t.Errorf("counted %d bytes, want 2", b.n)
	}
}
