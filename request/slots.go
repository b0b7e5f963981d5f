package request

import "context"

// ConnSlots is room a server keeps for the requests of one connection,
// which it serves one at a time (HTTP/1), for what a handler would
// otherwise allocate per request: its copy of the Request, a context of
// its own. The handler keeps a value there under a key of its own (its
// own address, say) and finds it again on the connection's next request,
// so that serving a request costs it no allocation.
//
// pasteserve's server gives each HTTP/1 request the slots of its
// connection, which ConnSlotsOf finds in the request's context while the
// request's handler runs. An HTTP/2 stream, which shares its connection
// with others at the same time, and a request that did not come through
// pasteserve's server, have none: the handler then allocates as it
// would without them.
//
// What a handler keeps in a slot is reused by the connection's next
// request, once every handler of this one has returned: the handler must
// be done with it by then, and what it handed inside (a copy of the
// Request, its context) must not be used after the handler returns,
// which is net/http's rule for the Request itself. A value taken from
// such a context for later (a string, a pointer to a value of its own)
// must not point into the slot. A handler that may run twice at once
// for one request (nested, or from two goroutines) marks the value it
// uses as taken until it returns, and makes a value of its own when it
// finds its kept one taken.
//
// A ConnSlots is a context.Context, which answers ConnSlotsOf with
// itself: the server places it in the chain of the request's context
// (Init). It holds a few values (connSlots); a handler that finds none
// free for a new key takes the place of the oldest, whose handler then
// allocates a value anew on the connection's next request.
type ConnSlots struct {
	context.Context
	keys [connSlots]any
	vals [connSlots]any
	next int // the slot the next new key takes when none is free
}

// connSlots is how many keys a connection keeps values for: a pipeline
// has a few filters that keep one (http_proxy_to_wsgi,
// keystonecontext), and a connection is mostly served by one pipeline.
const connSlots = 8

type connSlotsKey struct{}

// Init makes s the context parent, keeping the values it holds: a
// server calls it for each request of the connection, with the context
// its request's other values lead to.
func (s *ConnSlots) Init(parent context.Context) { s.Context = parent }

// ConnSlotsOf returns the slots of the connection ctx's request came
// on, nil when there are none (see ConnSlots).
func ConnSlotsOf(ctx context.Context) *ConnSlots {
	s, _ := ctx.Value(connSlotsKey{}).(*ConnSlots)
	return s
}

// Value answers ConnSlotsOf with s; other keys are its parent's.
func (s *ConnSlots) Value(key any) any {
	if _, ok := key.(connSlotsKey); ok {
		return s
	}
	return s.Context.Value(key)
}

// Get returns the value kept under key, nil if there is none. key must
// be comparable.
func (s *ConnSlots) Get(key any) any {
	for i := range s.keys {
		switch s.keys[i] {
		case key:
			return s.vals[i]
		case nil: // the slots fill in order
			return nil
		}
	}
	return nil
}

// Put keeps v under key, in place of the value kept under it, or else in
// a free slot, or else in place of the oldest.
func (s *ConnSlots) Put(key, v any) {
	for i := range s.keys {
		if s.keys[i] == key || s.keys[i] == nil {
			s.keys[i], s.vals[i] = key, v
			return
		}
	}
	s.keys[s.next], s.vals[s.next] = key, v
	s.next = (s.next + 1) % connSlots
}
