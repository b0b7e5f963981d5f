package request

import (
	"net/http/httptest"
	"testing"
)

func TestScriptName(t *testing.T) {
	r := httptest.NewRequest("GET", "/v2.0/networks", nil)
	if got := ScriptName(r); got != "" {
		t.Errorf("fresh request: %q", got)
	}
	r = Mount(r, "/v2.0", "/networks")
	r = Mount(r, "/x", "/y")
	if ScriptName(r) != "/v2.0/x" || r.URL.Path != "/y" {
		t.Errorf("after two mounts: script name %q, path %q", ScriptName(r), r.URL.Path)
	}
	if got := ScriptName(WithScriptName(r, "/proxy/v2.0")); got != "/proxy/v2.0" {
		t.Errorf("WithScriptName: %q", got)
	}
}
