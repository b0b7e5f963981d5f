package resolve

import (
	"maps"
	"strings"

	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
)

// sectionConf is one section being resolved: its local configuration in
// file order, with positions, and the globals its set keys add.
type sectionConf struct {
	fl        *fileLoader
	s         *dsl.Section
	local     map[string]string
	localPos  map[string]dsl.Pos
	order     []string
	orderBuf  [4]string // order's array while the section has few keys
	additions map[string]string
}

func (c *sectionConf) set(k, v string, p dsl.Pos) {
	if _, ok := c.local[k]; !ok {
		c.order = append(c.order, k)
	}
	c.local[k], c.localPos[k] = v, p
}

func (c *sectionConf) has(k string) bool { _, ok := c.local[k]; return ok }

func (c *sectionConf) pop(k string) (string, dsl.Pos, bool) {
	v, ok := c.local[k]
	if !ok {
		return "", dsl.Pos{}, false
	}
	p := c.localPos[k]
	delete(c.local, k)
	delete(c.localPos, k)
	for i, o := range c.order {
		if o == k {
			c.order = append(c.order[:i], c.order[i+1:]...)
			break
		}
	}
	return v, p, true
}

// valuePos returns the position of the i-th byte of key's value, when the
// value was not changed by interpolation; otherwise keyPos, the key's
// position (passed in, since the key has usually been popped by then).
func (c *sectionConf) valuePos(key, value string, keyPos dsl.Pos, i int) dsl.Pos {
	if e := c.s.Entry(key); e != nil && e.Value == value {
		return e.ValuePos(i)
	}
	return keyPos
}

// fromUse is PasteDeploy's _context_from_use: "use = X" resolves X and
// lays this section's configuration over it.
//
// ownGC says that gc is the section's alone, which an egg: or call: node
// may then take as its global configuration (see loadURI).
func (c *sectionConf) fromUse(typ plan.ObjectType, gc map[string]string, ownGC bool) (*plan.Node, dsl.Diagnostics) {
	use, usePos, _ := c.pop("use")
	if errs := c.oneLine("use", use, usePos); errs != nil {
		return nil, errs
	}
	from := c.valuePos("use", use, usePos, 0)
	var n *plan.Node
	var errs dsl.Diagnostics
	took := false
	if isURI(use) {
		// What context does for a URI, the section's maps handed over.
		n, errs, took = c.fl.r.loadURI(typ, use, c.fl.dir, gc, from, c.fl, &usedBy{c.local, c.localPos, ownGC})
		if n != nil {
			n.Name = use
		}
	} else {
		n, errs = c.fl.context(typ, use, gc, from)
	}
	if n == nil {
		return nil, errs
	}
	maps.Copy(n.Global, c.additions)
	// PasteDeploy lays the local overrides on a filter-with wrapper, where
	// the object never sees them (quirk Q2); they belong to the object.
	target := n
	for target != nil && target.Kind == plan.NodeFilterWith {
		target = target.App // nil when the object failed to resolve
	}
	if target != nil && !took { // an egg: or call: node has them already
		for _, k := range c.order {
			target.Local[k], target.LocalPos[k] = c.local[k], c.localPos[k]
		}
	}
	if f, ok := gc["__file__"]; ok {
		n.Global["__file__"] = f
	}
	if n.Section == "" {
		// An egg: or call: reference takes the using section as its
		// place; a section found through use keeps its own, and
		// remembers the way there.
		n.Section, n.Pos, n.File = c.s.Header, c.s.Pos, c.fl.path
	} else {
		n.Via = append([]string{c.s.Header}, n.Via...)
	}
	if n.Kind == plan.NodeFactory {
		c.fl.r.defined(n, c.fl)
	}
	if n.Kind == plan.NodeFactory && n.Protocol == "" {
		n.Protocol = protocolFromKind(c.s.Kind())
	}
	return n, errs
}

// oneLine reports a factory reference (the value of use or of a
// paste.*_factory key) that spans lines. The usual cause is an indented
// key below it: configparser reads an indented line as a continuation
// of the value above, so "use = egg:X#y" followed by "  password = pw"
// makes the reference "egg:X#y\npassword = pw", and the key is lost. The
// error points at the continuation line and does not quote the value,
// which may hold a secret.
func (c *sectionConf) oneLine(key, value string, keyPos dsl.Pos) dsl.Diagnostics {
	i := strings.IndexByte(value, '\n')
	if i < 0 {
		return nil
	}
	if e := c.s.Entry(key); e != nil && e.Value == value {
		p := e.ValuePos(i + 1)
		return posDiags(p, "[%s] %s: line %d is indented, so it continues the value of %s above it (configparser's rule) and the factory reference spans %d lines; unindent it to make it a key of its own",
			c.s.Header, key, p.Line, key, strings.Count(value, "\n")+1)
	}
	return posDiags(keyPos, "[%s] %s: the factory reference spans %d lines after interpolation; a reference is one line",
		c.s.Header, key, strings.Count(value, "\n")+1)
}

// protocolFromKind derives the protocol of a call: (or unregistered egg:)
// reference from the kind of the section that uses it, as PasteDeploy
// does for call: references.
func protocolFromKind(kind string) plan.Protocol {
	switch kind {
	case "app", "application":
		return plan.ProtoApp
	case "composite", "composit":
		return plan.ProtoComposite
	case "filter":
		return plan.ProtoFilter
	case "server":
		return plan.ProtoServer
	}
	return plan.Protocol("paste." + kind + "_factory")
}

// protocolGroups are the explicit protocol keys for each object type;
// within a group the first key present is taken.
var protocolGroups = map[plan.ObjectType][][]plan.Protocol{
	plan.TypeApp:    {{plan.ProtoApp}, {plan.ProtoComposite}, {"paste.composit_factory"}},
	plan.TypeFilter: {{plan.ProtoFilter, plan.ProtoFilterApp}},
	plan.TypeServer: {{plan.ProtoServer, plan.ProtoRunner}},
}

// explicit is PasteDeploy's _context_from_explicit: a paste.*_factory key
// names the factory as module:attr.
func (c *sectionConf) explicit(typ plan.ObjectType, gc map[string]string) (*plan.Node, dsl.Diagnostics) {
	type found struct {
		proto plan.Protocol
		value string
	}
	var possible []found
	for _, group := range protocolGroups[typ] {
		for _, p := range group {
			if v, ok := c.local[string(p)]; ok {
				possible = append(possible, found{p, v})
				break
			}
		}
	}
	switch len(possible) {
	case 0:
		return nil, posDiags(c.s.Pos, "[%s] says nothing about what makes this %s: add use = egg:DIST#NAME (or a section name), or %s = module:attr", c.s.Header, typ, protocolGroups[typ][0][0])
	case 1:
	default:
		var keys []string
		for _, f := range possible {
			keys = append(keys, string(f.proto))
		}
		return nil, posDiags(c.s.Pos, "[%s] gives more than one kind of factory (%s); keep one", c.s.Header, strings.Join(keys, ", "))
	}
	f := possible[0]
	_, keyPos, _ := c.pop(string(f.proto))
	if errs := c.oneLine(string(f.proto), f.value, keyPos); errs != nil {
		return nil, errs
	}
	proto := f.proto
	if proto == "paste.composit_factory" {
		proto = plan.ProtoComposite
	}
	return c.fl.r.defined(&plan.Node{Kind: plan.NodeFactory, Type: typ, Ref: plan.Ref{Text: f.value, Pos: c.valuePos(string(f.proto), f.value, keyPos, 0)},
		Protocol: proto, Section: c.s.Header, File: c.fl.path, Pos: c.s.Pos,
		Local: c.local, LocalPos: c.localPos, Global: gc}, c.fl), nil
}

// filterApp is PasteDeploy's _filter_app_context: a filter applied to the
// app named by next. The app and the filter are resolved each on its
// own: a problem in one leaves that part nil and the other resolved.
func (c *sectionConf) filterApp(typ plan.ObjectType, gc map[string]string) (*plan.Node, dsl.Diagnostics) {
	next, nextPos, ok := c.pop("next")
	if !ok {
		return nil, posDiags(c.s.Pos, "[%s] is missing a next setting: the app this filter wraps", c.s.Header)
	}
	app, errs := c.fl.context(plan.TypeApp, next, gc, nextPos)
	var f *plan.Node
	var ferrs dsl.Diagnostics
	if c.has("use") {
		// gc is the filter-app node's too.
		f, ferrs = c.fromUse(plan.TypeFilter, gc, false)
	} else {
		f, ferrs = c.explicit(plan.TypeFilter, gc)
	}
	errs = append(errs, ferrs...)
	// Like PasteDeploy, the filter-app's own configuration is its keys
	// without next, use or the protocol key; the filter gets them merged
	// over those of a [filter:] section it uses.
	return &plan.Node{Kind: plan.NodeFilterApp, Type: typ, Section: c.s.Header, File: c.fl.path, Pos: c.s.Pos,
		Local: maps.Clone(c.local), LocalPos: maps.Clone(c.localPos), Global: gc, Filter: f, App: app}, errs
}

// pipeline is PasteDeploy's _pipeline_app_context: "pipeline = f1 f2 app"
// is f1(f2(app)). Each item is resolved on its own: one that fails is
// nil in Filters (or App), and the others are still resolved.
func (c *sectionConf) pipeline(typ plan.ObjectType, gc map[string]string) (*plan.Node, dsl.Diagnostics) {
	value, pos, ok := c.pop("pipeline")
	if !ok {
		return nil, posDiags(c.s.Pos, "[%s] is missing a pipeline setting: pipeline = filter1 filter2 app", c.s.Header)
	}
	if len(c.order) > 0 {
		return nil, posDiags(c.localPos[c.order[0]], "[%s] has settings a pipeline does not take: %s; only pipeline, set, require and filter-with are allowed (put options in the filter or app sections)", c.s.Header, strings.Join(c.order, ", "))
	}
	type item struct {
		name string
		pos  dsl.Pos
	}
	var buf [8]item
	items := buf[:0]
	for i := 0; i < len(value); {
		for i < len(value) && isSpaceByte(value[i]) {
			i++
		}
		j := i
		for j < len(value) && !isSpaceByte(value[j]) {
			j++
		}
		if j > i {
			p := pos
			if e := c.s.Entry("pipeline"); e != nil && e.Value == value {
				p = e.ValuePos(i)
			}
			items = append(items, item{value[i:j], p})
		}
		i = j
	}
	if len(items) == 0 {
		return nil, posDiags(pos, "[%s] has an empty pipeline: list the filters, then the app", c.s.Header)
	}
	last := items[len(items)-1]
	app, errs := c.fl.context(plan.TypeApp, last.name, gc, last.pos)
	n := &plan.Node{Kind: plan.NodePipeline, Type: typ, Section: c.s.Header, File: c.fl.path, Pos: c.s.Pos,
		Local: c.local, LocalPos: c.localPos, Global: gc, App: app, Filters: make([]*plan.Node, 0, len(items)-1)}
	for _, it := range items[:len(items)-1] {
		f, ferrs := c.fl.context(plan.TypeFilter, it.name, gc, it.pos)
		errs = append(errs, ferrs...)
		n.Filters = append(n.Filters, f)
	}
	return n, errs
}

func isSpaceByte(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f'
}

// expand resolves the children of registered composites, in the file that
// defines each composite (PasteDeploy uses the file that uses it, quirk
// Q5), with the composite's final global configuration. It returns n,
// or nil when n itself cannot be expanded (its factory rejects the keys
// that name children, or it contains itself); a child that fails is nil
// in Children, and the other children are still resolved.
func (r *Resolver) expand(n *plan.Node) (*plan.Node, dsl.Diagnostics) {
	if n == nil {
		return nil, nil
	}
	var errs, more dsl.Diagnostics
	n.App, errs = r.expand(n.App)
	n.Filter, more = r.expand(n.Filter)
	errs = append(errs, more...)
	for i, c := range n.Filters {
		n.Filters[i], more = r.expand(c)
		errs = append(errs, more...)
	}
	if n.Kind != plan.NodeFactory || r.Registry == nil || n.Children != nil {
		return n, errs
	}
	f, err := r.Registry.Find(n.Ref.Text, n.Type)
	if err != nil || f.Kind != factory.KindComposite || f.Children == nil {
		return n, errs
	}
	cfg := factory.ConfigFor(n)
	kids := f.Children(cfg)
	if err := cfg.Err(); err != nil {
		return nil, append(errs, diagnostics(n.Pos, err)...)
	}
	fr := frame{n.File, n.Section, n.Pos}
	for _, s := range r.stack {
		if s.file == fr.file && s.section == fr.section {
			return nil, append(errs, posDiags(n.Pos, "reference cycle: [%s] contains itself", n.Section)...)
		}
	}
	n.Children = map[string]*plan.Node{}
	r.stack = append(r.stack, fr)
	defer func() { r.stack = r.stack[:len(r.stack)-1] }()
	for _, key := range sortedKeys(kids) {
		child, cerrs := r.definedIn[n].child(kids[key], n.Global, cfg.Pos(key))
		errs = append(errs, cerrs...)
		child, more = r.expand(child)
		errs = append(errs, more...)
		n.Children[key] = child
		if child == nil {
			n.FailedChildren = append(n.FailedChildren, kids[key])
		}
	}
	return n, errs
}

// child resolves a name a composite gives: a section name or URI, or,
// when it has several words, an inline pipeline "filter1 filter2 app"
// (what the OpenStack pipeline selectors hold), whose words are
// resolved each on its own, as a [pipeline:]'s.
func (fl *fileLoader) child(name string, gc map[string]string, from dsl.Pos) (*plan.Node, dsl.Diagnostics) {
	words := strings.Fields(name)
	if len(words) < 2 {
		return fl.context(plan.TypeApp, name, gc, from)
	}
	app, errs := fl.context(plan.TypeApp, words[len(words)-1], gc, from)
	n := &plan.Node{Kind: plan.NodePipeline, Type: plan.TypeApp, Name: name, File: fl.path, Pos: from,
		Local: map[string]string{}, LocalPos: map[string]dsl.Pos{}, Global: gc, App: app}
	for _, w := range words[:len(words)-1] {
		f, ferrs := fl.context(plan.TypeFilter, w, gc, from)
		errs = append(errs, ferrs...)
		n.Filters = append(n.Filters, f)
	}
	return n, errs
}
