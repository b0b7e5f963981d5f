package request

import (
	"context"
	"crypto/rand"
	"sync"
)

// IDHeader is the header OpenStack services return a request's local id
// in (x-openstack-request-id), and the request header a client or an
// upstream service sends its global id in. It is in net/http's canonical
// form, so it may index an http.Header directly.
const IDHeader = "X-Openstack-Request-Id"

type idKey struct{}

type globalIDKey struct{}

// idSlotKey asks a context for the IDContext that would answer GlobalID
// (SetGlobalID).
type idSlotKey struct{}

// ID returns the request's local id, req-<uuid4> in OpenStack's form, or
// "" when nothing has given it one. The server gives every request an id
// before the pipeline runs (unless assign_request_id is off), and the
// request_id filter gives one to a request that has none, so filters,
// apps and log lines all name a request the same way.
func ID(ctx context.Context) string {
	switch id := ctx.Value(idKey{}).(type) {
	case string:
		return id
	case *string: // an IDContext's
		return *id
	}
	return ""
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
	if id, ok := ctx.Value(globalIDKey{}).(*string); ok {
		return *id
	}
	return ""
}

// WithGlobalID returns ctx carrying id as the request's global id. The
// caller checks it first (ValidID): the id reaches log lines and other
// services.
func WithGlobalID(ctx context.Context, id string) context.Context {
	return &globalIDContext{ctx, id}
}

// globalIDContext is WithGlobalID's context: one allocation, where
// context.WithValue would cost two (the context and the string boxed in
// an interface).
type globalIDContext struct {
	context.Context
	id string
}

func (c *globalIDContext) Value(key any) any {
	switch key.(type) {
	case globalIDKey:
		return &c.id
	case idSlotKey:
		// An IDContext outside would not answer GlobalID: this does.
		return nil
	}
	return c.Context.Value(key)
}

// SetGlobalID makes id the global id of the request ctx belongs to, in
// place, in the IDContext ctx carries (the one the server allocates for
// the request, or a filter's), and reports whether there is one; if
// there is none, the caller uses WithGlobalID. It costs no allocation
// and needs no copy of the request, which WithGlobalID's new context
// does.
//
// In place means every handler that holds the request's context sees
// it, outer ones too, as every WSGI layer sees what an inner one puts in
// the environ (oslo's request_id sets openstack.global_request_id
// there). Like a context's values, it is set before the request is
// handed on, by the goroutine that serves it. As WithGlobalID, the
// caller checks id first (ValidID).
func SetGlobalID(ctx context.Context, id string) bool {
	c, ok := ctx.Value(idSlotKey{}).(*IDContext)
	if ok {
		c.SetGlobalID(id)
	}
	return ok
}

// NewID returns "req-" and a random (version 4) UUID, the form
// oslo.context gives request ids.
//
// Ids are made in batches (idBatch at a time, from one read of the
// system's random source, in one string), so that giving every request
// an id costs neither an allocation nor a call for randomness per
// request. An id kept keeps its batch's string (2.5 KB) alive.
func NewID() string {
	b, i := takeID()
	return b.ids[i]
}

// NewIDHeader returns a new id (NewID) as a header value: a slice of
// length and capacity 1, to be stored in an http.Header as it is
// (h[IDHeader] = v), which Header.Set would allocate per request. Its
// element is the id. Appending to it copies it, so no two requests'
// values share an array.
func NewIDHeader() []string {
	b, i := takeID()
	return b.ids[i : i+1 : i+1]
}

// idBatch is how many ids are made at once.
const idBatch = 64

// idLen is the length of an id: "req-" and a UUID's 36 characters.
const idLen = 40

// idBatches holds batches with ids left. A batch is taken out while an
// id is taken from it, so no two goroutines share one, and is put back
// until it is used up.
var idBatches = sync.Pool{New: func() any { return newIDs() }}

type ids struct {
	next int
	ids  [idBatch]string // each a substring of one string of idBatch ids
}

func takeID() (*ids, int) {
	b := idBatches.Get().(*ids)
	i := b.next
	if b.next++; b.next < idBatch {
		idBatches.Put(b)
	}
	return b, i
}

func newIDs() *ids {
	var random [idBatch * 16]byte
	rand.Read(random[:])
	var text [idBatch * idLen]byte
	for i := range idBatch {
		formatID(text[i*idLen:(i+1)*idLen], random[i*16:(i+1)*16])
	}
	all := string(text[:])
	b := &ids{}
	for i := range idBatch {
		b.ids[i] = all[i*idLen : (i+1)*idLen]
	}
	return b
}

// formatID writes "req-" and u, made a version 4 UUID, to b.
func formatID(b, u []byte) {
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	const hexDigits = "0123456789abcdef"
	copy(b, "req-")
	j := 4
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b[j] = '-'
			j++
		}
		b[j], b[j+1] = hexDigits[c>>4], hexDigits[c&0xf]
		j += 2
	}
}

// IDContext is a context.Context that carries a request's local id, as
// the context WithID returns does, but as a value the caller places:
// a server that gives every request an id embeds one in what it
// allocates for the request anyway, so that the id costs no allocation
// of its own. Init it before use; it must not be copied afterwards.
//
// It carries the request's global id too, once SetGlobalID has put one
// in it.
type IDContext struct {
	context.Context
	id     string
	global string // "": the parent's, if any
}

// Init makes c the context parent with id as the request's local id.
func (c *IDContext) Init(parent context.Context, id string) {
	c.Context, c.id, c.global = parent, id, ""
}

// SetGlobalID makes id the global id c carries (see the function
// SetGlobalID).
func (c *IDContext) SetGlobalID(id string) { c.global = id }

// Value answers ID's key with the id, GlobalID's with the global id once
// one is set; other keys are the parent's.
func (c *IDContext) Value(key any) any {
	switch key.(type) {
	case idKey:
		return &c.id // a pointer: a string in an interface would be an allocation per look-up
	case globalIDKey:
		if c.global != "" {
			return &c.global
		}
	case idSlotKey:
		return c
	}
	return c.Context.Value(key)
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
