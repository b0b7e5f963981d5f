package filters

import (
	"net/http"
	"sync/atomic"

	"github.com/pasteserve/pasteserve/request"
)

// keptState is what a filter's per-request value embeds when the filter
// keeps it in the connection's request.ConnSlots (see identityState):
// whether a request is using it. A filter that finds its kept value
// taken (it runs twice at once for one request: nested, or from two
// goroutines) makes a value of its own for the second, which is never
// kept.
type keptState struct{ busy atomic.Bool }

// claim takes the value for a request, and reports whether it was free.
func (k *keptState) claim() bool { return k.busy.CompareAndSwap(false, true) }

// release gives it back for the connection's next request.
func (k *keptState) release() { k.busy.Store(false) }

// claimed reports whether a request is using the value.
func (k *keptState) claimed() bool { return k.busy.Load() }

// claimKept returns the value of type *T that key keeps in the slots of
// r's connection, claimed for r, made and kept there on the first
// request that asks; nil when r has no slots (HTTP/2, a request from
// outside pasteserve's server) or the kept value is taken. The caller
// releases it once r has gone through the filter.
func claimKept[T any, P interface {
	*T
	claim() bool
}](r *http.Request, key any) P {
	slots := request.ConnSlotsOf(r.Context())
	if slots == nil {
		return nil
	}
	v, ok := slots.Get(key).(P)
	if !ok {
		v = new(T)
		slots.Put(key, v)
	}
	if v.claim() {
		return v
	}
	return nil
}
