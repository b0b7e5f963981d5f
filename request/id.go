package request

import (
	"context"
	"crypto/rand"
)

// IDHeader is the header OpenStack services return a request's local id
// in (x-openstack-request-id), and the request header a client or an
// upstream service sends its global id in. It is in net/http's canonical
// form, so it may index an http.Header directly.
const IDHeader = "X-Openstack-Request-Id"

type idKey struct{}

type globalIDKey struct{}

// ID returns the request's local id, req-<uuid4> in OpenStack's form, or
// "" when nothing has given it one. The server gives every request an id
// before the pipeline runs (unless assign_request_id is off), and the
// request_id filter gives one to a request that has none, so filters,
// apps and log lines all name a request the same way.
func ID(ctx context.Context) string {
	id, _ := ctx.Value(idKey{}).(string)
	return id
}

// WithID returns ctx carrying id as the request's local id.
func WithID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, idKey{}, id)
}

// GlobalID returns the request's global id: the well-formed
// X-OpenStack-Request-ID the client sent, which ties together the
// requests of one user action across services, as the request_id filter
// keeps it; "" when there is none.
func GlobalID(ctx context.Context) string {
	id, _ := ctx.Value(globalIDKey{}).(string)
	return id
}

// WithGlobalID returns ctx carrying id as the request's global id. The
// caller checks it first (ValidID): the id reaches log lines and other
// services.
func WithGlobalID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, globalIDKey{}, id)
}

// NewID returns "req-" and a random (version 4) UUID, the form
// oslo.context gives request ids.
func NewID() string {
	var u [16]byte
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	const hexDigits = "0123456789abcdef"
	var b [40]byte
	copy(b[:], "req-")
	j := 4
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b[j] = '-'
			j++
		}
		b[j], b[j+1] = hexDigits[c>>4], hexDigits[c&0xf]
		j += 2
	}
	return string(b[:])
}

// ValidID reports whether s is a request id in oslo's form, matching
// ^req-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$.
// Anything else a client sends as its global id is ignored, so that it
// cannot inject text into logs.
func ValidID(s string) bool {
	if len(s) != 40 || s[:4] != "req-" {
		return false
	}
	for i := 4; i < 40; i++ {
		c := s[i]
		switch i {
		case 12, 17, 22, 27:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}
