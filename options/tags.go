package options

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TagError is a malformed paste tag, or a field that cannot be an
// option: a programming error in the options struct, reported by Decode
// (at the section), Describe, Groups and Unknown rather than as a panic,
// so that a test over every registered factory finds them all.
type TagError struct {
	Type  string // the struct's Go type: "filters.CORSOptions"
	Field string // the field's path in it: "MaxAge", "TLS.CertFile"
	Tag   string // the paste tag as written
	Msg   string // what is wrong
}

// Error returns "options: Type.Field: tag `paste:"..."`: what is wrong",
// leaving out the field and tag when the error is about the whole type.
func (e *TagError) Error() string {
	switch {
	case e.Field == "":
		return fmt.Sprintf("options: %s: %s", e.Type, e.Msg)
	case e.Tag == "":
		return fmt.Sprintf("options: %s.%s: %s", e.Type, e.Field, e.Msg)
	}
	return fmt.Sprintf("options: %s.%s: tag `paste:%q`: %s", e.Type, e.Field, e.Tag, e.Msg)
}

// kind is how an option's value, or each item of a list, is read.
type kind int

const (
	kString kind = iota
	kBool
	kInt
	kUint
	kFloat
	kDuration
	kText // encoding.TextUnmarshaler
)

// spec is one option, as its field's tag describes it.
type spec struct {
	index      []int  // the field, for reflect.Value.FieldByIndex
	field      string // the Go path of the field, for messages
	tag        string
	name       string
	aliases    []string
	deprecated []string
	group      string
	required   bool
	path       bool
	enum       []string
	doc        string

	ptr  bool         // a *T field: allocated when the key is given
	list bool         // a []T field
	elem reflect.Type // T: the type of the value, or of each item
	kind kind

	// The bounds, as written in the tag (for Describe) and parsed for
	// the kind: lo and hi for ints and durations, ulo and uhi for uints,
	// flo and fhi for floats.
	minText, maxText string
	hasMin, hasMax   bool
	lo, hi           int64
	ulo, uhi         uint64
	flo, fhi         float64
}

// names is every name the option answers to, in lookup order.
func (s *spec) names() []string {
	out := make([]string, 0, 1+len(s.aliases)+len(s.deprecated))
	out = append(out, s.name)
	out = append(out, s.aliases...)
	return append(out, s.deprecated...)
}

// typeInfo is what the tags of one struct type say.
type typeInfo struct {
	specs  []*spec
	byName map[string]*spec // every name, alias and deprecated name
	errs   []*TagError      // every malformed tag
	err    error            // errs joined, or nil
}

var (
	cache             sync.Map // reflect.Type -> *typeInfo
	durationType      = reflect.TypeFor[time.Duration]()
	textUnmarshalType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// structType returns the struct type of v (a struct, or a pointer to
// one), or a TagError saying what v is instead.
func structType(v any, fn string) (reflect.Type, error) {
	t := reflect.TypeOf(v)
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil, &TagError{Type: fmt.Sprintf("%T", v), Msg: fn + " needs a struct or a pointer to one"}
	}
	return t, nil
}

// infoOf returns what t's tags say, parsing them once per type.
func infoOf(t reflect.Type) *typeInfo {
	if ti, ok := cache.Load(t); ok {
		return ti.(*typeInfo)
	}
	ti := &typeInfo{byName: map[string]*spec{}}
	w := walker{root: t, info: ti}
	w.walk(t, nil, "", "")
	if len(ti.errs) > 0 {
		ti.specs, ti.byName = nil, nil
		errs := make([]error, len(ti.errs))
		for i, e := range ti.errs {
			errs[i] = e
		}
		ti.err = errors.Join(errs...)
	}
	actual, _ := cache.LoadOrStore(t, ti)
	return actual.(*typeInfo)
}

type walker struct {
	root reflect.Type
	info *typeInfo
}

func (w *walker) fail(field, tag, format string, args ...any) {
	w.info.errs = append(w.info.errs, &TagError{Type: w.root.String(), Field: field, Tag: tag, Msg: fmt.Sprintf(format, args...)})
}

// walk adds the options of struct type t, whose fields are at index
// under the root, with Go path prefix and the group its enclosing
// fields gave.
func (w *walker) walk(t reflect.Type, index []int, prefix, group string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, tagged := f.Tag.Lookup("paste")
		if tag == "-" {
			continue
		}
		idx := append(slices.Clip(index), i)
		goPath := prefix + f.Name
		ft := f.Type
		if ft.Kind() == reflect.Struct && ft != durationType && !isText(ft) {
			// A set of options: flattened.
			if !tagged {
				if !f.IsExported() && !f.Anonymous {
					continue // a private struct is no one's options
				}
				w.walk(ft, idx, goPath+".", group)
				continue
			}
			g, ok := strings.CutPrefix(tag, ",group=")
			if !ok || !validName(g) {
				w.fail(goPath, tag, "a struct field is a set of options: its tag may only give them a group (`paste:\",group=GROUP\"`); a struct value needs an UnmarshalText method")
				continue
			}
			if !f.IsExported() && !f.Anonymous {
				w.fail(goPath, tag, "the field is not exported, so it cannot be set")
				continue
			}
			w.walk(ft, idx, goPath+".", g)
			continue
		}
		if !tagged {
			if f.Anonymous && ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct && len(infoOf(ft.Elem()).specs) > 0 {
				// Its options would need a value to point to, which the
				// defaults would have to allocate: embed the struct.
				w.fail(goPath, tag, "an embedded pointer to a struct of options: embed the struct itself")
			}
			continue // a Go-only field
		}
		if !f.IsExported() {
			w.fail(goPath, tag, "the field is not exported, so it cannot be set")
			continue
		}
		s := &spec{index: idx, field: goPath, tag: tag, group: group}
		if !w.parseTag(s, tag) || !w.classify(s, ft) || !w.checkFlags(s) {
			continue
		}
		for _, n := range s.names() {
			if other, dup := w.info.byName[n]; dup {
				w.fail(goPath, tag, "the name %q is also %s's", n, other.field)
				break
			}
			w.info.byName[n] = s
		}
		w.info.specs = append(w.info.specs, s)
	}
}

// parseTag reads tag into s.
func (w *walker) parseTag(s *spec, tag string) bool {
	rest, ownGroup := tag, false
	next := func() string {
		item, after, _ := strings.Cut(rest, ",")
		rest = after
		return strings.TrimSpace(item)
	}
	s.name = next()
	if !validName(s.name) {
		w.fail(s.field, tag, "the option's name comes first, and is a word without white space, '=', ':', '|' or ','")
		return false
	}
	for rest != "" {
		if d, ok := strings.CutPrefix(strings.TrimLeft(rest, " \t"), "doc="); ok {
			s.doc = strings.TrimSpace(d)
			break
		}
		item := next()
		key, value, hasValue := strings.Cut(item, "=")
		var names *[]string
		switch key {
		case "required", "path":
			if hasValue {
				w.fail(s.field, tag, "%s is a flag: write it without a value", key)
				return false
			}
			if key == "required" {
				s.required = true
			} else {
				s.path = true
			}
			continue
		case "alias":
			names = &s.aliases
		case "deprecated":
			names = &s.deprecated
		case "enum":
			if s.enum != nil {
				w.fail(s.field, tag, "enum is given twice")
				return false
			}
			s.enum = strings.Split(value, "|")
			for i, e := range s.enum {
				if e != strings.TrimSpace(e) || strings.ContainsAny(e, ", \t") || slices.ContainsFunc(s.enum[:i], func(o string) bool { return strings.EqualFold(o, e) }) {
					w.fail(s.field, tag, "enum=%s: the values are words separated by '|', each once (in any case)", value)
					return false
				}
			}
			continue
		case "group":
			// The field's own group wins over its struct's; two in one
			// tag is a mistake.
			if ownGroup {
				w.fail(s.field, tag, "group is given twice")
				return false
			}
			ownGroup = true
			if !validName(value) {
				w.fail(s.field, tag, "group=%s: a group is a word without white space, '=', ':', '|' or ','", value)
				return false
			}
			s.group = value
			continue
		case "min", "max":
			if value == "" {
				w.fail(s.field, tag, "%s needs a value: %s=N", key, key)
				return false
			}
			if key == "min" {
				s.minText, s.hasMin = value, true
			} else {
				s.maxText, s.hasMax = value, true
			}
			continue
		case "default":
			w.fail(s.field, tag, "defaults are not tags: they are the values the struct holds when it is decoded (its zero value, or what a DefaultXxx function returns), which Go callers get too")
			return false
		case "":
			w.fail(s.field, tag, "an empty item")
			return false
		default:
			w.fail(s.field, tag, "unknown item %q (the tag is: name, alias=, deprecated=, group=, required, enum=a|b, path, min=, max=, doc=, doc last)", item)
			return false
		}
		for _, n := range strings.Split(value, "|") {
			if !validName(n) {
				w.fail(s.field, tag, "%s=%s: a name is a word without white space, '=', ':', '|' or ','", key, value)
				return false
			}
			*names = append(*names, n)
		}
	}
	return true
}

func validName(n string) bool {
	return n != "" && !strings.ContainsAny(n, " \t\r\n=:|,")
}

// isText reports whether a pointer to t implements
// encoding.TextUnmarshaler.
func isText(t reflect.Type) bool {
	return t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(textUnmarshalType)
}

// scalarKind returns how a value of type t is read.
func scalarKind(t reflect.Type) (kind, bool) {
	switch {
	case isText(t):
		return kText, true
	case t == durationType:
		return kDuration, true
	}
	switch t.Kind() {
	case reflect.String:
		return kString, true
	case reflect.Bool:
		return kBool, true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return kInt, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return kUint, true
	case reflect.Float32, reflect.Float64:
		return kFloat, true
	}
	return 0, false
}

// classify sets how a field of type t is read.
func (w *walker) classify(s *spec, t reflect.Type) bool {
	switch {
	case isText(t):
	case t.Kind() == reflect.Pointer:
		s.ptr, t = true, t.Elem()
	case t.Kind() == reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !isText(t.Elem()) {
			w.fail(s.field, s.tag, "a []byte is no list: use a string")
			return false
		}
		s.list, t = true, t.Elem()
	}
	k, ok := scalarKind(t)
	if !ok {
		what := "a " + t.Kind().String()
		if s.ptr {
			what = "a pointer to " + what
		} else if s.list {
			what = "a list of " + t.Kind().String()
		}
		w.fail(s.field, s.tag, "%s cannot be an option: use a string, bool, number, time.Duration, a type with UnmarshalText, a slice of one, or a pointer to one", what)
		return false
	}
	s.elem, s.kind = t, k
	return true
}

// checkFlags checks that the flags fit the type, and parses the bounds.
func (w *walker) checkFlags(s *spec) bool {
	if s.enum != nil && s.kind != kString {
		w.fail(s.field, s.tag, "enum is for strings (or lists of them), not %s", s.elem)
		return false
	}
	if s.path && s.kind != kString {
		w.fail(s.field, s.tag, "path is for strings (or lists of them), not %s", s.elem)
		return false
	}
	if s.path && s.enum != nil {
		w.fail(s.field, s.tag, "a path is not one of a set of words: path and enum exclude each other")
		return false
	}
	if s.kind == kUint && !s.hasMin {
		s.minText, s.hasMin = "0", true // what a message about it says
	}
	if !s.hasMin && !s.hasMax {
		return true
	}
	bound := func(text string) (i int64, u uint64, f float64, ok bool) {
		switch s.kind {
		case kInt:
			i, err := strconv.ParseInt(text, 10, s.elem.Bits())
			return i, 0, 0, err == nil
		case kUint:
			u, err := strconv.ParseUint(text, 10, s.elem.Bits())
			return 0, u, 0, err == nil
		case kFloat:
			f, err := strconv.ParseFloat(text, 64)
			return 0, 0, f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
		case kDuration:
			d, ok := parseDuration(text)
			return int64(d), 0, 0, ok
		}
		return 0, 0, 0, false
	}
	switch s.kind {
	case kInt, kUint, kFloat, kDuration:
	default:
		w.fail(s.field, s.tag, "min and max are for numbers and durations, not %s", s.elem)
		return false
	}
	if s.hasMin {
		var ok bool
		if s.lo, s.ulo, s.flo, ok = bound(s.minText); !ok {
			w.fail(s.field, s.tag, "min=%s is not a %s", s.minText, s.elem)
			return false
		}
	}
	if s.hasMax {
		var ok bool
		if s.hi, s.uhi, s.fhi, ok = bound(s.maxText); !ok {
			w.fail(s.field, s.tag, "max=%s is not a %s", s.maxText, s.elem)
			return false
		}
	}
	if s.hasMin && s.hasMax && (s.lo > s.hi || s.ulo > s.uhi || s.flo > s.fhi) {
		w.fail(s.field, s.tag, "min=%s is more than max=%s", s.minText, s.maxText)
		return false
	}
	return true
}
