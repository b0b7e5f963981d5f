package plan

import (
	"sort"

	"github.com/pasteserve/pasteserve/dsl"
)

// ObjectType is what a caller asks for: PasteDeploy's APP, FILTER or
// SERVER.
type ObjectType int

const (
	TypeApp    ObjectType = iota // an http.Handler: [app:], [composite:], [pipeline:], [filter-app:]
	TypeFilter                   // a middleware: [filter:]
	TypeServer                   // a [server:] section, whose settings package server reads
)

// String returns "app", "filter" or "server", as messages and listings
// name the type.
func (t ObjectType) String() string {
	switch t {
	case TypeFilter:
		return "filter"
	case TypeServer:
		return "server"
	}
	return "app"
}

// NodeKind says how a Node is made.
type NodeKind int

const (
	// NodeFactory is an object made by one factory: an app, a composite,
	// a filter or a server.
	NodeFactory NodeKind = iota
	// NodePipeline is a [pipeline:] section: Filters applied to App,
	// Filters[0] outermost.
	NodePipeline
	// NodeFilterApp is a [filter-app:] section: Filter applied to App
	// (its "next").
	NodeFilterApp
	// NodeFilterWith is an object whose section says filter-with: Filter
	// applied to App (the object itself).
	NodeFilterWith
)

// String returns "factory", "pipeline", "filter-app" or "filter-with".
func (k NodeKind) String() string {
	return [...]string{"factory", "pipeline", "filter-app", "filter-with"}[k]
}

// Protocol is the PasteDeploy calling convention of a factory node: the
// entry point group of an egg: reference, the key of an explicit
// reference, or what the kind of a section using a call: reference says.
type Protocol string

// The protocols PasteDeploy knows, by their entry point group names.
const (
	ProtoApp       Protocol = "paste.app_factory"
	ProtoComposite Protocol = "paste.composite_factory"
	ProtoFilter    Protocol = "paste.filter_factory"
	ProtoFilterApp Protocol = "paste.filter_app_factory"
	ProtoServer    Protocol = "paste.server_factory"
	ProtoRunner    Protocol = "paste.server_runner"
)

// Ref is a reference to a factory as a paste file writes it: an egg:
// or call: URI from "use", or the "module:attr" value of an explicit
// paste.*_factory key.
type Ref struct {
	Text string  // as written after interpolation; egg refs always carry #name
	Pos  dsl.Pos // the value that gave it
}

// Node is one resolved object of a plan. It is pure data: building it
// into a handler is package build's job, printing it package graph's.
type Node struct {
	Kind NodeKind
	Type ObjectType // what the object is used as (app, filter, server)
	// Name is the section name or URI the node was asked for by.
	Name string

	// For NodeFactory: the factory and how it is called. Protocol is
	// empty for a call: reference whose section kind did not say.
	Ref      Ref
	Protocol Protocol

	// Section is the header of the section that defined the node ("" for
	// an egg: or call: URI used directly); File is its file and Pos its
	// header's position (or the position of the URI).
	Section string
	File    string
	Pos     dsl.Pos
	// Via lists the sections that reached this one through use, outermost
	// first: [app:main] use = mid, [app:mid] use = base gives a node for
	// app:base with Via [app:main app:mid].
	Via []string

	// Local and Global are the configuration the factory gets, as
	// PasteDeploy's local_conf and global_conf. LocalPos says where each
	// local value was written.
	Local    map[string]string
	LocalPos map[string]dsl.Pos
	Global   map[string]string

	// Structure. In a plan that resolution returned with an error, a part
	// that failed to resolve is nil.
	Filters []*Node // NodePipeline: the filters, outermost first
	App     *Node   // NodePipeline: the app; NodeFilterApp: next; NodeFilterWith: the wrapped object
	Filter  *Node   // NodeFilterApp, NodeFilterWith: the filter

	// Children of a composite, by the key its factory names them with,
	// filled in when the factory is registered and says which keys name
	// children (see the registry's Factory.Children). They are all the
	// composite can load when it is built: building never goes back to
	// the files.
	Children map[string]*Node
	// FailedChildren are the names, as the factory's Children gave them,
	// of the children that failed to resolve (nil in Children), so that
	// building the composite knows them as its own and skips them.
	FailedChildren []string
}

// Walk calls fn for n and every node it contains, parents first.
func Walk(n *Node, fn func(*Node)) {
	if n == nil {
		return
	}
	fn(n)
	for _, f := range n.Filters {
		Walk(f, fn)
	}
	Walk(n.Filter, fn)
	Walk(n.App, fn)
	keys := make([]string, 0, len(n.Children))
	for k := range n.Children {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		Walk(n.Children[k], fn)
	}
}
