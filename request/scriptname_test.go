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

// Mounting costs one allocation: the request's copy, its URL's and the
// script name's context are one value.
func TestMountAllocatesOnce(t *testing.T) {
	r := httptest.NewRequest("GET", "/v2.0/networks", nil)
	if n := testing.AllocsPerRun(100, func() { Mount(r, "/v2.0", "/networks") }); n != 1 {
		t.Errorf("Mount: %.0f allocations, want 1", n)
	}
	if n := testing.AllocsPerRun(100, func() { WithScriptName(r, "/proxy") }); n != 1 {
		t.Errorf("WithScriptName: %.0f allocations, want 1", n)
	}
	// What Mount leaves of the original: its path and script name.
	m := Mount(r, "/v2.0", "/networks")
	if r.URL.Path != "/v2.0/networks" || ScriptName(r) != "" || m.URL == r.URL || m.Context() == r.Context() {
		t.Errorf("Mount changed the request it copied: path %q, script name %q", r.URL.Path, ScriptName(r))
	}
}
