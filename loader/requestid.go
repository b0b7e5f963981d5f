package loader

import (
	"context"
	"crypto/rand"
)

type requestIDKey struct{}

// RequestID returns the request's local id, req-<uuid4> in OpenStack's
// form, or "" when nothing has given it one. The server gives every
// request an id before the pipeline runs (unless assign_request_id is
// off), and the request_id filter gives one to a request that has none,
// so filters, apps and log lines all name a request the same way.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// WithRequestID returns ctx carrying id as the request's local id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// NewRequestID returns "req-" and a random (version 4) UUID, the form
// oslo.context gives request ids.
func NewRequestID() string {
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
