package request

import (
	"context"
	"strings"
	"testing"
)

const goodID = "req-0123abcd-4567-89ab-cdef-0123456789ab"

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		id := NewID()
		if !ValidID(id) || id[18] != '4' || !strings.ContainsRune("89ab", rune(id[23])) {
			t.Fatalf("id %q is not req-<uuid4>", id)
		}
		if seen[id] {
			t.Fatalf("id %q repeated", id)
		}
		seen[id] = true
	}
}

func TestIDs(t *testing.T) {
	ctx := context.Background()
	if ID(ctx) != "" || GlobalID(ctx) != "" {
		t.Errorf("a fresh context has ids %q, %q", ID(ctx), GlobalID(ctx))
	}
	ctx = WithGlobalID(WithID(ctx, "req-local"), goodID)
	if ID(ctx) != "req-local" || GlobalID(ctx) != goodID {
		t.Errorf("ID %q, GlobalID %q", ID(ctx), GlobalID(ctx))
	}
}

func TestValidID(t *testing.T) {
	for s, want := range map[string]bool{
		goodID: true,
		"req-0123abcd-4567-89ab-cdef-0123456789a":   false,
		"req-0123abcd-4567-89ab-cdef-0123456789abc": false,
		"req-0123abcd+4567-89ab-cdef-0123456789ab":  false,
		"req-0123abcg-4567-89ab-cdef-0123456789ab":  false,
		"xxx-0123abcd-4567-89ab-cdef-0123456789ab":  false,
	} {
		if got := ValidID(s); got != want {
			t.Errorf("ValidID(%q) = %v", s, got)
		}
	}
}

// Ids come in batches: each is still new, and a header value holds its
// id alone, in an array of its own as far as appends go.
func TestNewIDBatches(t *testing.T) {
	seen := map[string]bool{}
	for range 3 * idBatch {
		v := NewIDHeader()
		id := v[0]
		if len(v) != 1 || cap(v) != 1 || !ValidID(id) || id[18] != '4' || seen[id] {
			t.Fatalf("header value %q (cap %d): want one new req-<uuid4>", v, cap(v))
		}
		seen[id] = true
		if w := append(v, "x"); &w[0] == &v[0] {
			t.Fatal("an append to a header value writes into the batch")
		}
	}
	if raceEnabled {
		return
	}
	// A batch is at most 4 allocations (its ids, their text, the
	// random bytes) for idBatch ids; a run takes two ids.
	if n := testing.AllocsPerRun(1000, func() { NewID(); NewIDHeader() }); n > 2*4.0/idBatch {
		t.Errorf("%.3f allocations per id pair, want none but a batch's every %d ids", n, idBatch)
	}
}

func TestIDContext(t *testing.T) {
	var c IDContext
	c.Init(WithGlobalID(context.Background(), goodID), "req-local")
	if ID(&c) != "req-local" || GlobalID(&c) != goodID {
		t.Errorf("ID %q, GlobalID %q", ID(&c), GlobalID(&c))
	}
	// A WithID inside it wins, as it would over another WithID.
	if got := ID(WithID(&c, "req-inner")); got != "req-inner" {
		t.Errorf("inner WithID: %q", got)
	}
	if n := testing.AllocsPerRun(100, func() { ID(&c) }); n != 0 {
		t.Errorf("ID allocates %.0f times", n)
	}
}

// SetGlobalID puts the global id in the request's IDContext, without a
// new context; where none would answer GlobalID (no IDContext, or a
// WithGlobalID inside it) it says so, and the caller uses WithGlobalID.
func TestSetGlobalID(t *testing.T) {
	var c IDContext
	c.Init(context.Background(), "req-local")
	inner := WithID(&c, "req-inner") // not an IDContext: the outer one takes it
	if !SetGlobalID(inner, goodID) || GlobalID(inner) != goodID || GlobalID(&c) != goodID || ID(inner) != "req-inner" {
		t.Errorf("SetGlobalID: GlobalID %q, %q; ID %q", GlobalID(inner), GlobalID(&c), ID(inner))
	}
	c.Init(context.Background(), "req-local")
	if GlobalID(&c) != "" {
		t.Errorf("Init kept the global id %q", GlobalID(&c))
	}
	if SetGlobalID(context.Background(), goodID) {
		t.Error("SetGlobalID without an IDContext reported success")
	}
	shadowed := WithGlobalID(&c, "req-11111111-2222-4333-8444-555555555555")
	if SetGlobalID(shadowed, goodID) || GlobalID(&c) != "" {
		t.Errorf("SetGlobalID under a WithGlobalID took effect: %q", GlobalID(&c))
	}
	// An IDContext without one of its own answers with its parent's.
	c.Init(WithGlobalID(context.Background(), goodID), "req-local")
	if GlobalID(&c) != goodID {
		t.Errorf("parent's global id: %q", GlobalID(&c))
	}
	if raceEnabled {
		return
	}
	if n := testing.AllocsPerRun(100, func() { SetGlobalID(&c, goodID); GlobalID(&c) }); n != 0 {
		t.Errorf("SetGlobalID and GlobalID allocate %.0f times", n)
	}
	if n := testing.AllocsPerRun(100, func() { sinkCtx = WithGlobalID(&c, goodID) }); n != 1 {
		t.Errorf("WithGlobalID allocates %.0f times, want 1", n)
	}
}

var sinkCtx context.Context
