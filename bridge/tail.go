package bridge

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path/filepath"

	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/plan"
)

// Tail is a part of a pipeline that runs in Python: the first element
// without a Go factory and everything after it, which the Python
// workers load with PasteDeploy itself, element by element, as
// PasteDeploy's own pipeline loads its items:
//
//	loader = ConfigLoader(File); loader.update_defaults(Defaults, overwrite=False)
//	ctx = loader.get_context(FILTER or APP, element.Name, global_conf=Global)
//
// for each element (what loadcontext("config:"+File) does, with the
// loader's defaults and the global_conf given apart, as they are when
// a pipeline or a composite loads an object). The tail is the last
// element, the app, wrapped in the others, the first outermost. So
// local_conf and global_conf are PasteDeploy's own, and nothing in
// front of the split (what Go runs) is resolved in Python.
type Tail struct {
	// Key names the tail in the carrier: TailKey(tail), the same in
	// every process.
	Key string
	// File is the file the elements are looked up in. A relative path
	// is made absolute (against the working directory) by TailKey and
	// Start: the Python side loads files by absolute path.
	File string
	// Defaults is the global configuration File's loader was opened
	// with, laid under its [DEFAULT] without overriding it (nil for
	// the paste file itself, which pasteserve loads with none).
	Defaults map[string]string
	// Global is the global_conf each element is asked for with (nil:
	// none, as an OpenStack pipeline selector's loader.get_filter).
	Global map[string]string
	// Elements are what is loaded, outermost first; the last is the
	// app.
	Elements []Element
	// FiltersFirst makes the filters before the app, as OpenStack's
	// pipeline selectors do; otherwise the app is made first, as
	// PasteDeploy's pipeline does.
	FiltersFirst bool
	// Section and Pos say where the tail starts ("pipeline:main" at its
	// header), for errors that name no section of their own.
	Section string
	Pos     dsl.Pos
}

// Element is one object of a Tail, loaded by its name. With Skip 0 it
// is the whole object. With Skip above 0 (filter-with, whose filter Go
// runs: the name would apply it again) the host loads Name with the
// filter-with filters in front left unresolved, and makes the last
// Keep elements of the object's flattened chain, the first Skip being
// Go's.
type Element struct {
	Type plan.ObjectType // plan.TypeFilter, or plan.TypeApp for the last
	Name string
	Skip int
	Keep int
}

// Whole is the tail of the object name in file loaded whole, with
// global as its global_conf: what a chain with no Go part at all is,
// with the first element of a pipeline, or a composite, that has no Go
// factory.
func Whole(file, name string, global map[string]string) Tail {
	t := Tail{File: file, Global: global, Elements: []Element{{Type: plan.TypeApp, Name: name}}}
	t.Key = TailKey(t)
	return t
}

// TailKey returns a tail's key: a short hash of what the Python side
// loads (the file by its absolute path, the defaults, the global_conf,
// the elements), the same in pasteserve's master and in each of its
// workers, whatever their working directories, so that a handler built
// in any of them names the tail the pool loaded. Two tails that load
// different objects have different keys.
func TailKey(t Tail) string {
	b, _ := json.Marshal(hostTailOf(t)) // strings, maps of strings and ints: cannot fail
	sum := sha256.Sum256(b)
	return "t" + hex.EncodeToString(sum[:8])
}

// hostTail is a tail as the host module reads it from the spec.
type hostTail struct {
	Key          string            `json:"key"`
	File         string            `json:"file"`
	Defaults     map[string]string `json:"defaults"`
	Global       map[string]string `json:"global"`
	Elements     []hostElement     `json:"elements"`
	FiltersFirst bool              `json:"filters_first"`
	Section      string            `json:"section"`
}

type hostElement struct {
	Type string `json:"type"` // "app" or "filter"
	Name string `json:"name"`
	Skip int    `json:"skip"`
	Keep int    `json:"keep"`
}

// hostTailOf is t as the host reads it, without its key and section
// (what TailKey hashes).
func hostTailOf(t Tail) hostTail {
	h := hostTail{File: abs(t.File), Defaults: t.Defaults, Global: t.Global, FiltersFirst: t.FiltersFirst}
	for _, e := range t.Elements {
		h.Elements = append(h.Elements, hostElement{Type: e.Type.String(), Name: e.Name, Skip: e.Skip, Keep: e.Keep})
	}
	return h
}

// abs is path made absolute against the working directory ("" stays).
func abs(path string) string {
	if path == "" {
		return ""
	}
	if a, err := filepath.Abs(path); err == nil {
		return a
	}
	return path
}
