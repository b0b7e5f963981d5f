package request

import (
	"context"
	"net/http"
	"net/url"
)

type scriptNameKey struct{}

// ScriptName returns the path prefix that routing has moved out of the
// request's URL path on the way to this handler: WSGI's SCRIPT_NAME. A
// handler mounted by urlmap at /v2.0 sees URL.Path "/networks" and
// ScriptName "/v2.0", and builds links to itself from the latter.
func ScriptName(r *http.Request) string {
	if s, ok := r.Context().Value(scriptNameKey{}).(*string); ok {
		return *s
	}
	return ""
}

// scriptContext is the context of a request whose script name is name.
type scriptContext struct {
	context.Context
	name string
}

func (c *scriptContext) Value(key any) any {
	if _, ok := key.(scriptNameKey); ok {
		return &c.name // a pointer: a string in an interface is an allocation
	}
	return c.Context.Value(key)
}

// mounted is what Mount makes, in one allocation: the request with its
// own URL, and the context that carries its script name.
type mounted struct {
	req http.Request
	url url.URL
	ctx scriptContext
}

// Mount returns a shallow copy of r with prefix appended to its script
// name and rest as its URL path, as WSGI routers move a matched prefix
// from PATH_INFO to SCRIPT_NAME.
//
// It costs one allocation, as http.StripPrefix's copies of the Request
// and its URL do (two there): the copies and the script name's context
// are one value. Appending to a script name that is not empty costs a
// second, for the joined string.
func Mount(r *http.Request, prefix, rest string) *http.Request {
	return new(mounted).mount(r, prefix, rest)
}

func (m *mounted) mount(r *http.Request, prefix, rest string) *http.Request {
	m.ctx.Context, m.ctx.name = r.Context(), ScriptName(r)+prefix
	m.url = *r.URL
	m.url.Path, m.url.RawPath = rest, ""
	m.req = *r.WithContext(&m.ctx)
	m.req.URL = &m.url
	return &m.req
}

// A Mounting is the room Mount makes its copy in, for a router that
// keeps one in its connection's slots (ConnSlots) and reuses it for
// each of the connection's requests rather than allocate one per
// request, as urlmap does. Its zero value is ready to use.
type Mounting struct{ m mounted }

// Mount is the function Mount, the copy made in m: it stays the
// request's until Release, which the caller calls once the copy has
// been served.
func (m *Mounting) Mount(r *http.Request, prefix, rest string) *http.Request {
	return m.m.mount(r, prefix, rest)
}

// Release lets go of the request the last Mount copied, so that an idle
// connection does not keep it, and readies m for the next. The copy's
// context stays usable (a context kept past its request answers, as
// ConnSlots says), so it keeps its parent.
func (m *Mounting) Release() { m.m.req, m.m.url = http.Request{}, url.URL{} }

// renamed is what WithScriptName makes, in one allocation.
type renamed struct {
	req http.Request
	ctx scriptContext
}

// WithScriptName returns a shallow copy of r whose script name is s, for
// filters that set it outright, as http_proxy_to_wsgi does from
// X-Forwarded-Prefix.
func WithScriptName(r *http.Request, s string) *http.Request {
	n := new(renamed)
	n.ctx.Context, n.ctx.name = r.Context(), s
	n.req = *r.WithContext(&n.ctx)
	return &n.req
}
