package request

import (
	"context"
	"testing"
)

func TestIdentity(t *testing.T) {
	if _, ok := IdentityFrom(context.Background()); ok {
		t.Errorf("a fresh context has an identity")
	}
	id := &Identity{UserID: "u", Roles: []string{"reader", "Admin"}}
	got, ok := IdentityFrom(WithIdentity(context.Background(), id))
	if !ok || got != id {
		t.Errorf("IdentityFrom(WithIdentity(id)) = %v, %v", got, ok)
	}
	if !id.HasRole("admin") || !id.HasRole("READER") || id.HasRole("member") {
		t.Errorf("HasRole: roles are compared case-insensitively, and only those held match")
	}
}

// lazyContext makes its Identity when asked, as the token filters do.
type lazyContext struct {
	context.Context
	made int
}

func (c *lazyContext) Value(key any) any {
	if IsIdentityKey(key) {
		c.made++
		return &Identity{UserID: "lazy"}
	}
	return c.Context.Value(key)
}

func TestIsIdentityKey(t *testing.T) {
	ctx := &lazyContext{Context: WithID(context.Background(), "req-x")}
	if ID(ctx) != "req-x" || ctx.made != 0 {
		t.Errorf("another key: ID %q, identities made %d", ID(ctx), ctx.made)
	}
	if id, ok := IdentityFrom(ctx); !ok || id.UserID != "lazy" || ctx.made != 1 {
		t.Errorf("IdentityFrom a lazy context: %v, %v (made %d)", id, ok, ctx.made)
	}
	if IsIdentityKey(idKey{}) || IsIdentityKey("identity") {
		t.Errorf("IsIdentityKey answers for another key")
	}
}
