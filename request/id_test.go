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
