package request

import (
	"context"
	"net/http/httptest"
	"testing"
)

// A connection's slots keep one value a key, found again on the
// connection's next request; past connSlots keys, a new one takes the
// place of the oldest. They are found in the contexts made from them.
func TestConnSlots(t *testing.T) {
	var s ConnSlots
	s.Init(context.Background())
	ctx := WithID(&s, "req-1")
	if ConnSlotsOf(ctx) != &s || ConnSlotsOf(context.Background()) != nil {
		t.Fatal("ConnSlotsOf does not find the slots, or finds some where there are none")
	}
	keys := make([]*int, connSlots+1)
	for i := range keys {
		keys[i] = new(int)
	}
	for i, k := range keys[:connSlots] {
		s.Put(k, i)
	}
	s.Put(keys[0], 100) // a key's new value takes its own place
	for i, k := range keys[:connSlots] {
		want := i
		if i == 0 {
			want = 100
		}
		if got := s.Get(k); got != want {
			t.Errorf("key %d: %v, want %d", i, got, want)
		}
	}
	s.Put(keys[connSlots], connSlots) // full: the oldest goes
	if s.Get(keys[0]) != nil || s.Get(keys[connSlots]) != connSlots || s.Get(keys[1]) != 1 {
		t.Errorf("after a key too many: key 0 %v, key %d %v, key 1 %v; want the first gone", s.Get(keys[0]), connSlots, s.Get(keys[connSlots]), s.Get(keys[1]))
	}
	s.Init(context.Background()) // the next request keeps them
	if s.Get(keys[1]) != 1 {
		t.Error("Init lost the values")
	}
}

// A Mounting's copy is the request's until Release; the next Mount in it
// is another request's, and a context kept from the first still answers.
func TestMountingReused(t *testing.T) {
	var m Mounting
	r1 := httptest.NewRequest("GET", "/v2.0/networks", nil)
	c1 := m.Mount(r1, "/v2.0", "/networks")
	if ScriptName(c1) != "/v2.0" || c1.URL.Path != "/networks" || r1.URL.Path != "/v2.0/networks" {
		t.Fatalf("mounted: script %q, path %q; the original's path %q", ScriptName(c1), c1.URL.Path, r1.URL.Path)
	}
	kept := c1.Context()
	m.Release()
	r2 := httptest.NewRequest("GET", "/v3/ports", nil)
	c2 := m.Mount(r2, "/v3", "/ports")
	if ScriptName(c2) != "/v3" || c2.URL.Path != "/ports" {
		t.Errorf("mounted again: script %q, path %q", ScriptName(c2), c2.URL.Path)
	}
	m.Release()
	_ = ID(kept) // must not panic
}
