package options

import (
	"encoding"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pasteserve/pasteserve/redact"
)

// Option describes one option, for tables: `pasteserve factories
// --options NAME`, and the test that holds docs/ to the code.
type Option struct {
	Name       string
	Aliases    []string
	Deprecated []string
	// Group is the option group whose global_conf keys the option also
	// reads ("cors" for cors.allowed_origin), or "".
	Group string
	// Type says in words what the value is: "string", "bool", "int",
	// "number", "seconds", "path", "one of a|b", "list", "list of
	// paths", "list of a|b", "list of int", or the Go type of a
	// TextUnmarshaler ("netip.Prefix").
	Type string
	// Enum lists the values of an enum, in the tag's spelling.
	Enum []string
	// Min and Max are the bounds of a number or a duration, as the tag
	// writes them, or "".
	Min, Max string
	// Default is the value the defaults passed to Describe hold, as a
	// paste file would write it: "true", "3600", "0.5" (seconds), a list
	// with its items separated by spaces; "" for an empty string or
	// list and for a nil pointer. It is masked as redact.Value prints
	// the value of the option's name (a secret's default is "****"), since
	// option tables are printed.
	Default  string
	Required bool
	// Doc is the tag's one line.
	Doc string
	// Field is the Go field the option sets, as a path from the struct:
	// "MaxAge", "TLS.CertFile".
	Field string
}

// Describe lists the options of defaults (an options struct holding its
// defaults, or a pointer to one), in the order of its fields, with
// Default formatted from the values it holds. A nil pointer describes
// the zero value. It returns a *TagError for a malformed tag.
func Describe(defaults any) ([]Option, error) { return describe(defaults, true) }

// describe is Describe, with secret defaults masked or not.
func describe(defaults any, mask bool) ([]Option, error) {
	t, err := structType(defaults, "Describe")
	if err != nil {
		return nil, err
	}
	ti := infoOf(t)
	if ti.err != nil {
		return nil, ti.err
	}
	// An addressable copy, so that a MarshalText on the pointer is found.
	v := reflect.New(t).Elem()
	if rv := reflect.ValueOf(defaults); rv.Kind() != reflect.Pointer {
		v.Set(rv)
	} else if !rv.IsNil() {
		v.Set(rv.Elem())
	}
	out := make([]Option, 0, len(ti.specs))
	for _, s := range ti.specs {
		o := Option{
			Name:       s.name,
			Aliases:    slices.Clone(s.aliases),
			Deprecated: slices.Clone(s.deprecated),
			Group:      s.group,
			Type:       s.typeWords(),
			Enum:       slices.Clone(s.enum),
			Required:   s.required,
			Doc:        s.doc,
			Field:      s.field,
			Default:    s.format(v.FieldByIndex(s.index)),
		}
		if mask {
			o.Default = redact.Value(s.name, o.Default)
		}
		if s.hasMin {
			o.Min = s.minText
		}
		if s.hasMax {
			o.Max = s.maxText
		}
		out = append(out, o)
	}
	return out, nil
}

// Groups lists the option groups the options of t (a struct, or a
// pointer to one) read from global_conf, sorted: what a factory
// registry collects from the factories registered, so that a server
// hands exactly those groups of its config files to the paste file.
func Groups(t any) ([]string, error) {
	st, err := structType(t, "Groups")
	if err != nil {
		return nil, err
	}
	ti := infoOf(st)
	if ti.err != nil {
		return nil, ti.err
	}
	var out []string
	for _, s := range ti.specs {
		if s.group != "" && !slices.Contains(out, s.group) {
			out = append(out, s.group)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (s *spec) typeWords() string {
	var one string
	switch {
	case s.enum != nil:
		one = strings.Join(s.enum, "|")
		if !s.list {
			return "one of " + one
		}
	case s.path:
		one = "path"
	default:
		one = [...]string{kString: "string", kBool: "bool", kInt: "int", kUint: "int", kFloat: "number", kDuration: "seconds", kText: s.elem.String()}[s.kind]
	}
	switch {
	case !s.list:
		return one
	case s.kind == kString && s.enum == nil && !s.path:
		return "list"
	case s.path:
		return "list of paths"
	}
	return "list of " + one
}

// format writes f, the field of s, as a paste file would write it.
func (s *spec) format(f reflect.Value) string {
	if s.ptr {
		if f.IsNil() {
			return ""
		}
		f = f.Elem()
	}
	if !s.list {
		return s.formatOne(f)
	}
	items := make([]string, f.Len())
	for i := range items {
		items[i] = s.formatOne(f.Index(i))
	}
	return strings.Join(items, " ")
}

func (s *spec) formatOne(v reflect.Value) string {
	switch s.kind {
	case kString:
		return v.String()
	case kBool:
		return strconv.FormatBool(v.Bool())
	case kInt:
		return strconv.FormatInt(v.Int(), 10)
	case kUint:
		return strconv.FormatUint(v.Uint(), 10)
	case kFloat:
		return strconv.FormatFloat(v.Float(), 'g', -1, s.elem.Bits())
	case kDuration:
		return formatSeconds(time.Duration(v.Int()))
	}
	// A TextUnmarshaler: written back by its MarshalText or String, if
	// it has one.
	if v.CanAddr() {
		v = v.Addr()
	}
	switch x := v.Interface().(type) {
	case encoding.TextMarshaler:
		if b, err := x.MarshalText(); err == nil {
			return string(b)
		}
		return ""
	case fmt.Stringer:
		return x.String()
	}
	return ""
}
