package resolve

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
)

// Resolver resolves objects in paste files into Nodes. It keeps the
// files it has parsed (in its Cache), the warnings it met (see Warnings)
// and the sections it reached (see Visited), so one Resolver serves one
// load, or one purpose within a load.
type Resolver struct {
	// Registry, when set, tells which references are composites and which
	// of their keys name children, so that children appear in the plan.
	Registry *factory.Registry

	// SkipChildren leaves composite children unresolved, as PasteDeploy's
	// appconfig does: a composite's children are looked up only when it is
	// built, so an error in one does not stop appconfig.
	SkipChildren bool

	// Cache, when set, holds the parsed files, shared with the other
	// resolvers of the same load, so that each file is read and parsed
	// once however many resolvers resolve from it (see package loader).
	// Without it the Resolver keeps a cache of its own.
	Cache *Cache

	stack    []frame
	warnings dsl.Diagnostics
	visited  map[*dsl.Section]bool
	// definedIn is, during one Resolve, the file that defines each
	// factory node: a composite's children resolve in it. It stays out
	// of the plan, which is pure data.
	definedIn map[*plan.Node]*fileLoader
}

// frame is one section being resolved, for cycle reports.
type frame struct {
	file, section string
	pos           dsl.Pos
}

// Resolve resolves the object called name (default "main") of type typ in
// the paste file at path, as PasteDeploy's loadapp, loadfilter and
// loadserver would, with global as the caller's global_conf. It calls no
// factory.
//
// Resolve does not stop at the first error, as go/scanner does not: it
// goes on with every part it can reach, and the error is a
// dsl.Diagnostics listing every problem once, sorted by position. Each
// section reports the first problem in it (a bad %(...)s in one of its
// keys, a missing next, ...); the objects it names are resolved each on
// its own, so that every pipeline item, composite child, filter-with
// and next that fails is reported, not only the first.
//
// With an error, Resolve also returns the plan as far as it resolved
// (or nil, when the object itself failed), as dsl.Parse returns the
// file as far as it read it: the parts that failed are nil in it (a
// pipeline's filter or app, a composite's child, a filter-app's next).
// Such a plan is for finding the rest of the errors (build.Check builds
// it, calling the factories of what did resolve); build.Handler refuses
// it, and the printers (package graph) expect a plan without errors.
// plan.Walk skips its nil parts.
func (r *Resolver) Resolve(path, name string, typ plan.ObjectType, global map[string]string) (*plan.Node, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = "main"
	}
	fl, err := r.open(abs, dsl.Pos{Filename: path}, global)
	if err != nil {
		return nil, err
	}
	defer func() { r.definedIn = nil }()
	n, errs := fl.context(typ, name, global, dsl.Pos{Filename: path})
	if n != nil && !r.SkipChildren {
		var more dsl.Diagnostics
		n, more = r.expand(n)
		errs = append(errs, more...)
	}
	if len(errs) > 0 {
		return n, sortedOnce(errs)
	}
	return n, nil
}

// sortedOnce returns ds sorted by position, each problem once: a section
// reached along two paths (a filter in two pipelines) reports its
// problem once.
func sortedOnce(ds dsl.Diagnostics) dsl.Diagnostics {
	seen := make(map[string]bool, len(ds))
	out := make(dsl.Diagnostics, 0, len(ds))
	for _, d := range ds {
		if k := d.Error(); !seen[k] {
			seen[k] = true
			out = append(out, d)
		}
	}
	out.Sort()
	return out
}

// diagnostics returns err as diagnostics: the resolver's own errors are
// dsl.Diagnostics already; anything else is placed at pos.
func diagnostics(pos dsl.Pos, err error) dsl.Diagnostics {
	if err == nil {
		return nil
	}
	var ds dsl.Diagnostics
	if errors.As(err, &ds) {
		return ds
	}
	return dsl.Diagnostics{{Pos: pos, Msg: err.Error()}}
}

// Files returns the parsed files the resolver has read (with the other
// resolvers of its Cache), for printing diagnostics with source
// excerpts.
func (r *Resolver) Files() []*dsl.File { return r.cache().Files() }

func (r *Resolver) cache() *Cache {
	if r.Cache == nil {
		r.Cache = &Cache{}
	}
	return r.Cache
}

// Cache holds the paste files of one load, each read and parsed once:
// resolvers that share a Cache (see Resolver.Cache) resolve from the same
// parsed files, however many objects they resolve. A file that cannot be
// read or parsed is kept with its error, so that it is not read again
// either. The zero value is empty and ready to use.
type Cache struct {
	files map[string]*cachedFile // by absolute path
}

// cachedFile is one file of a Cache: parsed and indexed, or the error
// reading or parsing it met.
type cachedFile struct {
	x       *indexedFile
	partial *dsl.File // as far as it parsed, when it did not parse
	readErr error     // from reading it
	err     error     // from parsing it: dsl.Diagnostics
}

// file returns the entry of the file at path, which is absolute,
// reading and parsing the file the first time.
func (c *Cache) file(path string) *cachedFile {
	if cf, ok := c.files[path]; ok {
		return cf
	}
	if c.files == nil {
		c.files = map[string]*cachedFile{}
	}
	cf := &cachedFile{}
	if src, err := os.ReadFile(path); err != nil {
		cf.readErr = err
	} else if parsed, err := dsl.Parse(displayName(path), src); err != nil {
		cf.partial, cf.err = parsed, err
	} else {
		cf.x = index(parsed)
	}
	c.files[path] = cf
	return cf
}

// Open returns the paste file at path, reading and parsing it the first
// time it is asked for, as resolution does; from is where the file was
// named, for an error reading it. Like dsl.Parse, on a syntax error it
// returns the file as far as it parsed it with the error, a
// dsl.Diagnostics.
func (c *Cache) Open(path string, from dsl.Pos) (*dsl.File, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	cf := c.file(abs)
	switch {
	case cf.readErr != nil:
		return nil, posErr(from, "cannot read paste file: %v", cf.readErr)
	case cf.err != nil:
		return cf.partial, cf.err
	}
	return cf.x.File, nil
}

// Files returns the files of the cache that parsed, sorted by name, for
// printing diagnostics with source excerpts.
func (c *Cache) Files() []*dsl.File {
	out := make([]*dsl.File, 0, len(c.files))
	for _, cf := range c.files {
		if cf.x != nil {
			out = append(out, cf.x.File)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Visited reports whether the resolver has resolved section s (directly
// or through use, pipelines, filter-with or composite children).
func (r *Resolver) Visited(s *dsl.Section) bool { return r.visited[s] }

// Warnings returns what the resolver noticed that does not stop loading,
// such as a local key hidden by a [DEFAULT] key of the same name.
func (r *Resolver) Warnings() dsl.Diagnostics { return r.warnings }

// fileLoader is PasteDeploy's ConfigLoader: one paste file with its
// defaults, made afresh for every config: load because a load may inject
// its caller's global configuration into the defaults.
type fileLoader struct {
	r        *Resolver
	path     string // the file's path, absolute
	dir      string
	file     *indexedFile
	rawDefs  map[string]string // here, __file__, [DEFAULT], injected keys: raw values
	defPos   map[string]dsl.Pos
	defaults map[string]string // rawDefs interpolated; nil until computed
}

// open parses the file at path (once per Cache) and makes its loader,
// injecting global into its defaults without overwriting what the file
// defines. Injected values are taken literally: PasteDeploy interpolates
// them a second time (quirk Q3), which breaks on a '%' in a value.
func (r *Resolver) open(path string, from dsl.Pos, global map[string]string) (*fileLoader, error) {
	cf := r.cache().file(path)
	switch {
	case cf.readErr != nil:
		return nil, posErr(from, "cannot read paste file: %v", cf.readErr)
	case cf.err != nil:
		return nil, cf.err
	}
	f := cf.x
	fl := &fileLoader{
		r: r, path: path, dir: filepath.Dir(path), file: f,
		rawDefs: map[string]string{"here": filepath.Dir(path), "__file__": path},
		defPos:  map[string]dsl.Pos{},
	}
	for _, e := range f.defaults {
		fl.rawDefs[e.Key] = e.Value
		fl.defPos[e.Key] = e.KeyPos
	}
	for k, v := range global {
		if _, ok := fl.rawDefs[k]; !ok {
			fl.rawDefs[k] = strings.ReplaceAll(v, "%", "%%")
		}
	}
	return fl, nil
}

// displayName shortens an absolute path to one relative to the working
// directory, when it lies below it, for positions in messages.
func displayName(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	rel, err := filepath.Rel(wd, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		return path
	}
	return rel
}

// lookupIn returns the %(name)s lookup for a section: its own keys, then
// the defaults, all raw, as configparser does.
func (fl *fileLoader) lookupIn(s *dsl.Section) lookupFunc {
	return func(name string) (string, bool) {
		if s != nil {
			if e := s.Entry(name); e != nil {
				return e.Value, true
			}
		}
		v, ok := fl.rawDefs[name]
		return v, ok
	}
}

// defaultValues returns the defaults interpolated against themselves, as
// NicerConfigParser.defaults does, including its quirk of keeping the raw
// value when the interpolated one is empty.
func (fl *fileLoader) defaultValues() (map[string]string, error) {
	if fl.defaults != nil {
		return fl.defaults, nil
	}
	defs := make(map[string]string, len(fl.rawDefs))
	lookup := fl.lookupIn(nil)
	keys := sortedKeys(fl.rawDefs)
	for _, k := range keys {
		raw := fl.rawDefs[k]
		v, err := interpolate(raw, k, lookup)
		if err != nil {
			p, ok := fl.defPos[k]
			if !ok {
				p = dsl.Pos{Filename: fl.path}
			}
			return nil, posErr(p, "in [DEFAULT]: %v", err)
		}
		if v == "" {
			v = raw
		}
		defs[k] = v
	}
	fl.defaults = defs
	return defs, nil
}

// prefixGroups are the section prefixes PasteDeploy tries for each object
// type: within a group the first prefix with a match wins; matches from
// two groups are ambiguous.
var prefixGroups = map[plan.ObjectType][][]string{
	plan.TypeApp:    {{"app", "application"}, {"composite", "composit"}, {"pipeline"}, {"filter-app"}},
	plan.TypeFilter: {{"filter"}},
	plan.TypeServer: {{"server"}},
}

func prefixList(typ plan.ObjectType) string {
	var all []string
	for _, g := range prefixGroups[typ] {
		for _, p := range g {
			all = append(all, "["+p+":NAME]")
		}
	}
	return strings.Join(all, ", ")
}

// findSection finds the section of the given type and name. A bare
// [app], [filter] or [server] section also answers to "main" when no
// named section does: PasteDeploy documents that but never finds them
// (quirk Q7), so where a file has both, [app:main] is what PasteDeploy
// loads, and a bare section beside it is never used (Resolver.Warnings
// says so).
func (fl *fileLoader) findSection(typ plan.ObjectType, name string, from dsl.Pos) (*dsl.Section, error) {
	found, bare := fl.file.lookup(typ, name)
	if len(found) == 0 {
		found = bare
	} else {
		for _, s := range bare {
			fl.r.unreachableBare(s, found[0])
		}
	}
	switch len(found) {
	case 0:
		msg := fmt.Sprintf("no %s named %q in %s (looked for %s)", typ, name, filepath.Base(fl.path), prefixList(typ))
		if near := fl.nearSections(name); near != "" {
			msg += "; did you mean " + near + "?"
		} else if names := fl.sectionsOf(typ); names != "" {
			msg += "; it has " + names
		}
		return nil, dsl.Diagnostics{{Pos: from, Msg: msg, Err: &NotFoundError{Type: typ, Name: name, File: fl.path}}}
	case 1:
		return found[0], nil
	}
	d := &dsl.Diagnostic{Pos: from, Msg: fmt.Sprintf("%q is ambiguous: more than one section defines a %s of that name", name, typ)}
	for _, s := range found {
		d.Related = append(d.Related, dsl.Related{Pos: s.Pos, Msg: "[" + s.Header + "]"})
	}
	return nil, dsl.Diagnostics{d}
}

// NotFoundError is the cause (dsl.Diagnostic.Err) of the error
// resolution gives when no section of a file answers to a name, for
// callers to test with errors.As rather than by its message.
type NotFoundError struct {
	Type plan.ObjectType // what the name was looked for as
	Name string          // the name
	File string          // the file looked in, by its absolute path
}

// Error returns "no TYPE named \"NAME\" in FILE".
func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no %s named %q in %s", e.Type, e.Name, e.File)
}

// lookup finds the sections that answer to name as a typ: found, the
// named sections (one per prefix group: more than one is ambiguous), and
// bare, for main, the bare sections ([app], [composite], ...) that answer
// to it when no named one does.
func (x *indexedFile) lookup(typ plan.ObjectType, name string) (found, bare []*dsl.Section) {
	for _, group := range prefixGroups[typ] {
		for _, prefix := range group {
			if m := x.byKind[prefix][name]; len(m) > 0 {
				if found == nil {
					found = m[:len(m):len(m)] // the index's own, which an append copies
				} else {
					found = append(found, m...)
				}
				break
			}
		}
		if name != "main" {
			continue
		}
		for _, prefix := range group {
			if s := x.bare[prefix]; s != nil {
				bare = append(bare, s)
				break
			}
		}
	}
	return found, bare
}

// SectionType returns the type of object section s defines, by its
// kind, the text before the ':' of its header, as PasteDeploy reads it: TypeApp for [app:], [application:], [composite:], [composit:],
// [pipeline:] and [filter-app:], TypeFilter for [filter:], TypeServer
// for [server:]; a bare section ([app], [composite], [filter], ...)
// has the type of its kind too, and answers to main. ok is false for a
// section PasteDeploy does not read: [DEFAULT], [loggers], [uwsgi], a
// misspelt [App:main] or [app :main].
func SectionType(s *dsl.Section) (typ plan.ObjectType, ok bool) {
	kind := s.Kind()
	for _, t := range []plan.ObjectType{plan.TypeApp, plan.TypeFilter, plan.TypeServer} {
		for _, g := range prefixGroups[t] {
			for _, p := range g {
				if p == kind {
					return t, true
				}
			}
		}
	}
	return 0, false
}

// Defines reports whether file f has a section that Resolve finds for
// the object name of type typ: a named section, or, for main, a bare
// one. It reports true when the name is ambiguous too (Resolve then
// says so); it does not look into files that f includes with config:.
func Defines(f *dsl.File, typ plan.ObjectType, name string) bool {
	found, bare := index(f).lookup(typ, name)
	return len(found) > 0 || len(bare) > 0
}

// sectionsOf lists the sections of the file that can make a typ, when
// there are few enough to read in a message.
func (fl *fileLoader) sectionsOf(typ plan.ObjectType) string {
	var out []string
	for _, s := range fl.file.Sections {
		_, named := s.Name()
		if t, ok := SectionType(s); ok && named && t == typ {
			out = append(out, "["+s.Header+"]")
		}
	}
	if len(out) == 0 || len(out) > 8 {
		return ""
	}
	return strings.Join(out, ", ")
}

// nearSections suggests sections whose name is close to name.
func (fl *fileLoader) nearSections(name string) string {
	var near []string
	for _, s := range fl.file.Sections {
		if n, ok := s.Name(); ok && n != name && dsl.EditDistance(n, name) <= 2 {
			near = append(near, "["+s.Header+"]")
		}
	}
	return strings.Join(near, " or ")
}

// context is PasteDeploy's ConfigLoader.get_context: it resolves name
// (a section name in this file, or a URI) as an object of type typ, with
// global as the caller's global configuration. from is where the name
// was written, for errors.
//
// It returns the problems it met, as Resolve describes them: the first
// one of the section itself, which leaves the node nil, and those of
// each object the section names, which leave that part of the node nil.
func (fl *fileLoader) context(typ plan.ObjectType, name string, global map[string]string, from dsl.Pos) (*plan.Node, dsl.Diagnostics) {
	if isURI(name) {
		n, errs, _ := fl.r.loadURI(typ, name, fl.dir, global, from, fl, nil)
		if n != nil {
			n.Name = name
		}
		return n, errs
	}
	s, err := fl.findSection(typ, name, from)
	if err != nil {
		return nil, diagnostics(from, err)
	}
	if fl.r.visited == nil {
		fl.r.visited = map[*dsl.Section]bool{}
	}
	fl.r.visited[s] = true
	for i, fr := range fl.r.stack {
		if fr.file == fl.path && fr.section == s.Header {
			return nil, diagnostics(s.Pos, fl.r.cycleError(i, s))
		}
	}
	fl.r.stack = append(fl.r.stack, frame{fl.path, s.Header, s.Pos})
	defer func() { fl.r.stack = fl.r.stack[:len(fl.r.stack)-1] }()

	defaults, err := fl.defaultValues()
	if err != nil {
		return nil, diagnostics(s.Pos, err)
	}
	gc := maps.Clone(defaults)
	maps.Copy(gc, global)

	entries := fl.options(s)
	sec := &sectionConf{fl: fl, s: s, local: make(map[string]string, len(entries)), localPos: make(map[string]dsl.Pos, len(entries))}
	sec.order = sec.orderBuf[:0]
	lookup := fl.lookupIn(s)
	type get struct {
		local, global string
		pos           dsl.Pos
	}
	var gets []get
	for _, e := range entries {
		switch {
		case strings.HasPrefix(e.Key, "set "):
			v, err := interpolate(e.Value, e.Key, lookup)
			if err != nil {
				return nil, posDiags(e.KeyPos, "%v", err)
			}
			k := strings.TrimSpace(e.Key[4:])
			if sec.additions == nil {
				sec.additions = map[string]string{}
			}
			gc[k], sec.additions[k] = v, v
		case strings.HasPrefix(e.Key, "get "):
			v, err := interpolate(e.Value, e.Key, lookup)
			if err != nil {
				return nil, posDiags(e.KeyPos, "%v", err)
			}
			gets = append(gets, get{strings.TrimSpace(e.Key[4:]), v, e.KeyPos})
		default:
			if _, ok := defaults[e.Key]; ok {
				if !s.IsDefault() && fl.isSectionEntry(s, e) {
					fl.r.shadowed(fl, s, e)
				}
				continue
			}
			v, err := interpolate(e.Value, e.Key, lookup)
			if err != nil {
				return nil, posDiags(e.KeyPos, "%v", err)
			}
			sec.set(e.Key, v, e.KeyPos)
		}
	}
	for _, g := range gets {
		v, ok := gc[g.global]
		if !ok {
			return nil, posDiags(g.pos, "get %s = %s: there is no global %q (from [DEFAULT] or a set key)", g.local, g.global, g.global)
		}
		sec.set(g.local, v, g.pos)
	}
	var filterWith string
	var filterWithPos dsl.Pos
	if typ != plan.TypeServer {
		filterWith, filterWithPos, _ = sec.pop("filter-with")
	}
	// require names Python distributions; there is nothing to check here.
	sec.pop("require")

	var n *plan.Node
	var errs dsl.Diagnostics
	kind := s.Kind()
	switch {
	case kind == "filter-app":
		n, errs = sec.filterApp(typ, gc)
	case kind == "pipeline":
		n, errs = sec.pipeline(typ, gc)
	case sec.has("use"):
		// gc is the object's own unless a filter-with node shares it.
		n, errs = sec.fromUse(typ, gc, filterWith == "")
	default:
		n, errs = sec.explicit(typ, gc)
	}
	if n != nil {
		n.Name = name
	}
	if filterWith == "" {
		return n, errs
	}
	// The filter is a section of its own: its problems are reported
	// even when the object's are.
	f, ferrs := fl.context(plan.TypeFilter, filterWith, gc, filterWithPos)
	errs = append(errs, ferrs...)
	if n == nil {
		return nil, errs
	}
	return &plan.Node{Kind: plan.NodeFilterWith, Type: typ, Name: name, Section: s.Header, File: fl.path, Pos: s.Pos,
		Local: map[string]string{}, LocalPos: map[string]dsl.Pos{}, Global: gc, Filter: f, App: n}, errs
}

// options lists a section's entries as configparser's options() does:
// the section's own, then the [DEFAULT] ones it does not override.
func (fl *fileLoader) options(s *dsl.Section) []*dsl.Entry {
	if len(fl.file.defaults) == 0 {
		return s.Entries
	}
	out := append([]*dsl.Entry(nil), s.Entries...)
	for _, e := range fl.file.defaults {
		if s.Entry(e.Key) == nil {
			out = append(out, e)
		}
	}
	return out
}

// indexedFile is a parsed file with its sections indexed by kind and
// name, so that finding a section does not scan the file.
type indexedFile struct {
	*dsl.File
	byKind   map[string]map[string][]*dsl.Section // kind -> name -> sections, in file order
	bare     map[string]*dsl.Section              // [app], [filter], [server] with no name
	defaults []*dsl.Entry
}

func index(f *dsl.File) *indexedFile {
	x := &indexedFile{File: f, byKind: map[string]map[string][]*dsl.Section{}, bare: map[string]*dsl.Section{}, defaults: f.Defaults()}
	// A name's sections are a slice of one array of them all, in file
	// order, rather than a slice each: a name has one section but in
	// a file that defines it twice, whose second append copies.
	all := make([]*dsl.Section, len(f.Sections))
	for i, s := range f.Sections {
		name, ok := s.Name()
		if !ok {
			if x.bare[s.Header] == nil {
				x.bare[s.Header] = s
			}
			continue
		}
		k := s.Kind()
		if x.byKind[k] == nil {
			x.byKind[k] = map[string][]*dsl.Section{}
		}
		if m := x.byKind[k][name]; m != nil {
			x.byKind[k][name] = append(m, s)
			continue
		}
		all[i] = s
		x.byKind[k][name] = all[i : i+1 : i+1]
	}
	return x
}

func (fl *fileLoader) isSectionEntry(s *dsl.Section, e *dsl.Entry) bool {
	return s.Entry(e.Key) == e
}

// shadowed records PasteDeploy's quirk Q4: a local key with the name of a
// default is dropped silently. pasteserve keeps the behaviour, because
// real files rely on it, and warns.
func (r *Resolver) shadowed(fl *fileLoader, s *dsl.Section, e *dsl.Entry) {
	d := &dsl.Diagnostic{Severity: dsl.SeverityWarning, Pos: e.KeyPos,
		Msg: fmt.Sprintf("%q in [%s] is ignored: [DEFAULT] (or the caller's global configuration) defines the same key, and PasteDeploy drops such local keys; write \"set %s = ...\" to override the default", e.Key, s.Header, e.Key)}
	if p, ok := fl.defPos[e.Key]; ok {
		d.Related = []dsl.Related{{Pos: p, Msg: "the default is defined here"}}
	}
	for _, w := range r.warnings {
		if w.Pos == d.Pos {
			return
		}
	}
	r.warnings = append(r.warnings, d)
}

// unreachableBare warns that bare, a section such as [app], is never
// loaded because named, such as [app:main], answers to main.
func (r *Resolver) unreachableBare(bare, named *dsl.Section) {
	for _, w := range r.warnings {
		if w.Pos == bare.Pos {
			return
		}
	}
	r.warnings = append(r.warnings, &dsl.Diagnostic{Severity: dsl.SeverityWarning, Pos: bare.Pos,
		Msg:     fmt.Sprintf("[%s] is never loaded: [%s] answers to main, as in PasteDeploy, which never loads a bare [%s]; remove one of the two", bare.Header, named.Header, bare.Header),
		Related: []dsl.Related{{Pos: named.Pos, Msg: "[" + named.Header + "] is loaded instead"}}})
}

func (r *Resolver) cycleError(start int, s *dsl.Section) error {
	var names []string
	d := &dsl.Diagnostic{Pos: r.stack[len(r.stack)-1].pos}
	for _, fr := range r.stack[start:] {
		names = append(names, fr.section)
		d.Related = append(d.Related, dsl.Related{Pos: fr.pos, Msg: "[" + fr.section + "]"})
	}
	names = append(names, s.Header)
	d.Msg = "reference cycle: " + strings.Join(names, " -> ")
	return dsl.Diagnostics{d}
}

// loadURI is PasteDeploy's loadcontext for a URI met in a file (or given
// by the caller): config: opens another file, egg: and call: name a
// factory.
//
// use, when not nil, is the section whose "use" the URI is (fromUse):
// an egg: or call: node then takes the section's configuration maps as
// its own, and, with use.ownGlobal, global itself (the section's, which
// nothing else holds) rather than copies; took says it did. A section
// that another file's config: URI leads to has maps of its own.
func (r *Resolver) loadURI(typ plan.ObjectType, raw, relativeTo string, global map[string]string, from dsl.Pos, user *fileLoader, use *usedBy) (n *plan.Node, errs dsl.Diagnostics, took bool) {
	u, err := parseURI(raw, "")
	if err != nil {
		return nil, posDiags(from, "%v", err), false
	}
	var ref string
	switch u.scheme {
	case "config":
		path, err := configPath(u.path, relativeTo)
		if err != nil {
			return nil, posDiags(from, "%v", err), false
		}
		fl, err := r.open(path, from, global)
		if err != nil {
			return nil, diagnostics(from, err), false
		}
		n, errs := fl.context(typ, u.name, global, from)
		return n, errs, false
	case "egg":
		ref = "egg:" + u.path + "#" + u.name
	default: // call
		ref = strings.TrimSpace("call:" + u.path)
	}
	n = &plan.Node{Kind: plan.NodeFactory, Type: typ, Ref: plan.Ref{Text: ref, Pos: from}, File: from.Filename, Pos: from}
	if use != nil {
		n.Local, n.LocalPos = use.local, use.localPos
		if use.ownGlobal {
			n.Global = global
		}
	} else {
		n.Local, n.LocalPos = map[string]string{}, map[string]dsl.Pos{}
	}
	if n.Global == nil {
		n.Global = maps.Clone(global)
	}
	return r.defined(n, user), nil, use != nil
}

// usedBy is what loadURI may take from the section whose use it
// resolves (see loadURI).
type usedBy struct {
	local     map[string]string
	localPos  map[string]dsl.Pos
	ownGlobal bool
}

// defined records that fl defines n, a factory node, unless an earlier
// step recorded where: a composite's children resolve in the file that
// defines it. It returns n.
func (r *Resolver) defined(n *plan.Node, fl *fileLoader) *plan.Node {
	if r.definedIn == nil {
		r.definedIn = map[*plan.Node]*fileLoader{}
	}
	if _, ok := r.definedIn[n]; !ok {
		r.definedIn[n] = fl
	}
	return n
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// posDiags makes one diagnostic at pos.
func posDiags(pos dsl.Pos, format string, args ...any) dsl.Diagnostics {
	return dsl.Diagnostics{{Pos: pos, Msg: fmt.Sprintf(format, args...)}}
}

// posErr makes a one-diagnostic error at pos.
func posErr(pos dsl.Pos, format string, args ...any) error {
	return dsl.Diagnostics{{Pos: pos, Msg: fmt.Sprintf(format, args...)}}
}
