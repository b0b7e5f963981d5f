package options

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/pasteserve/pasteserve/dsl"
)

// Decode fills dst, a pointer to an options struct that already holds
// its defaults, from sec: each option whose key is given (in the
// section, or in its group in global_conf) is set, and every other field
// keeps its value. When dst is a Validator, Decode then calls Validate
// and places its errors at their keys (see Diagnose).
//
// Decode returns every problem, sorted by position: errors (a value that
// does not fit its option, a required option missing) and warnings (a
// deprecated name used). A field whose value is wrong keeps its default,
// so Decode reads on and reports every error of the section at once; use
// the result's Err to tell whether there was any. Each malformed tag in
// dst's type, or a dst that is not a pointer to a struct, is an error at
// the section that names the Go type and field (see TagError), and
// nothing is decoded.
func Decode(sec *Section, dst any) dsl.Diagnostics {
	if sec == nil {
		sec = &Section{}
	}
	r := &reporter{sec: sec}
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		err := &TagError{Type: fmt.Sprintf("%T", dst), Msg: "Decode needs a non-nil pointer to a struct"}
		r.ds.Errorf(sec.Pos, "%s%v", r.prefix(), err)
		return r.ds
	}
	ti := infoOf(rv.Elem().Type())
	if ti.err != nil {
		for _, e := range ti.errs {
			r.ds.Errorf(sec.Pos, "%s%v", r.prefix(), e)
		}
		return r.ds
	}
	v := rv.Elem()
	for _, s := range ti.specs {
		r.option(v.FieldByIndex(s.index), s)
	}
	if val, ok := dst.(Validator); ok {
		r.diagnose(ti, val.Validate())
	}
	r.ds.Sort()
	return r.ds
}

// option decodes the option s into its field f.
func (r *reporter) option(f reflect.Value, s *spec) {
	src, found := r.sec.find(s)
	if !found || (s.required && strings.TrimSpace(src.Value) == "") {
		if s.required {
			msg := "is required"
			if s.doc != "" {
				msg += ": " + s.doc
			}
			r.report(dsl.SeverityError, s.name, src, found, msg)
		}
		return
	}
	if src.Deprecated {
		r.report(dsl.SeverityWarning, s.name, src, found, "is deprecated; use "+s.name)
	}
	var val reflect.Value
	if s.list {
		items := SplitList(src.Value)
		val = reflect.MakeSlice(f.Type(), 0, len(items))
		ok := true
		for _, item := range items {
			iv, msg := r.scalar(s, item, src)
			if msg != "" {
				r.report(dsl.SeverityError, s.name, src, found, msg, item, strings.TrimSpace(item))
				ok = false
				continue
			}
			val = reflect.Append(val, iv)
		}
		if !ok {
			return // the default stays
		}
	} else {
		iv, msg := r.scalar(s, src.Value, src)
		if msg != "" {
			r.report(dsl.SeverityError, s.name, src, found, msg)
			return
		}
		val = iv
	}
	if s.ptr {
		p := reflect.New(s.elem)
		p.Elem().Set(val)
		val = p
	}
	f.Set(val)
}

// scalar reads raw, src's value or an item of it, as a value of s's
// type; on failure it returns the message instead, which quotes raw as
// shown prints it.
func (r *reporter) scalar(s *spec, raw string, src Source) (reflect.Value, string) {
	out := reflect.New(s.elem).Elem()
	trimmed := strings.TrimSpace(raw)
	switch s.kind {
	case kString:
		v := raw
		if s.enum != nil {
			i := indexFold(s.enum, trimmed)
			if i < 0 {
				return out, fmt.Sprintf("%q is not one of %s", shown(src, trimmed), strings.Join(s.enum, ", "))
			}
			v = s.enum[i]
		}
		if s.path && v != "" && src.Group == "" && r.sec.Here != "" && !filepath.IsAbs(v) {
			v = filepath.Join(r.sec.Here, v)
		}
		out.SetString(v)
	case kBool:
		b, ok := parseBool(raw)
		if !ok {
			return out, boolMsg(shown(src, raw))
		}
		out.SetBool(b)
	case kInt:
		n, err := strconv.ParseInt(trimmed, 10, s.elem.Bits())
		if err != nil || (s.hasMin && n < s.lo) || (s.hasMax && n > s.hi) {
			return out, numberMsg(shown(src, raw), "whole number", s)
		}
		out.SetInt(n)
	case kUint:
		n, err := strconv.ParseUint(trimmed, 10, s.elem.Bits())
		if err != nil || (s.hasMin && n < s.ulo) || (s.hasMax && n > s.uhi) {
			return out, numberMsg(shown(src, raw), "whole number", s)
		}
		out.SetUint(n)
	case kFloat:
		n, err := strconv.ParseFloat(trimmed, s.elem.Bits())
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) || (s.hasMin && n < s.flo) || (s.hasMax && n > s.fhi) {
			return out, numberMsg(shown(src, raw), "number", s)
		}
		out.SetFloat(n)
	case kDuration:
		d, ok := parseDuration(raw)
		if !ok {
			return out, durationMsg(shown(src, trimmed))
		}
		switch {
		case s.hasMin && int64(d) < s.lo && s.lo == 0:
			return out, fmt.Sprintf("%q is negative", shown(src, trimmed))
		case s.hasMin && int64(d) < s.lo:
			return out, fmt.Sprintf("%q is less than %s", shown(src, trimmed), secondsWords(time.Duration(s.lo)))
		case s.hasMax && int64(d) > s.hi:
			return out, fmt.Sprintf("%q is more than %s", shown(src, trimmed), secondsWords(time.Duration(s.hi)))
		}
		out.SetInt(int64(d))
	case kText:
		if err := out.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(raw)); err != nil {
			msg := err.Error()
			if msg == "" {
				msg = fmt.Sprintf("%q is not a %s", shown(src, raw), s.elem)
			}
			return out, msg
		}
	}
	return out, ""
}

func indexFold(list []string, v string) int {
	for i, e := range list {
		if strings.EqualFold(e, v) {
			return i
		}
	}
	return -1
}

// numberMsg says that shown is not what s takes: a whole number or a
// number, within s's bounds.
func numberMsg(shown, what string, s *spec) string {
	switch {
	case s.hasMin && s.hasMax:
		return fmt.Sprintf("%q is not a %s from %s to %s", shown, what, s.minText, s.maxText)
	case s.hasMin:
		return fmt.Sprintf("%q is not a %s of at least %s", shown, what, s.minText)
	case s.hasMax:
		return fmt.Sprintf("%q is not a %s of at most %s", shown, what, s.maxText)
	}
	return fmt.Sprintf("%q is not a %s", shown, what)
}

// secondsWords writes a bound of a duration for a message: "30
// seconds", "1 second", or a Go duration when seconds would not be exact.
func secondsWords(d time.Duration) string {
	s := formatSeconds(d)
	switch {
	case strings.ContainsAny(s, "hmsuµn"):
		return s
	case s == "1":
		return "1 second"
	}
	return s + " seconds"
}

// Validator is an options struct that checks itself beyond what its
// tags say: values that must agree with each other, or whose meaning
// the type does not carry (a URL, a header name). Decode calls Validate
// after setting the fields, and a Go constructor calls it too, so that a
// Go caller and a paste file get the same checks. Each error about one
// option is made with Errorf, so that Decode places it at that option's
// key; errors.Join returns several at once.
type Validator interface {
	Validate() error
}

// Error is an error about one option, by its paste name: what Errorf
// makes, and what Diagnose places at the option's key.
type Error struct {
	Option string // the option's name (or an alias of it), or a key of the section
	Err    error
}

// Error returns "option: what is wrong", the form a Go caller of a
// constructor sees; Diagnose adds the section and the position.
func (e *Error) Error() string { return e.Option + ": " + e.Err.Error() }

// Unwrap returns e.Err, so that errors.Is and errors.As see the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error about option, with the message of
// fmt.Errorf(format, args...): "%q is not an origin", "must be more
// than 0 seconds". The message may quote the value: Diagnose masks it
// when the option is a secret.
func Errorf(option, format string, args ...any) error {
	return &Error{Option: option, Err: fmt.Errorf(format, args...)}
}

// Diagnose turns err, from a Validate method or a constructor given
// options decoded from sec into a value of dst's type, into diagnostics
// positioned as Decode's own: each *Error (found through errors.Join
// lists and %w wrapping) at the key its option was read from, or at the
// section when the option was not given, with the section's name and the
// option's key in front; a dsl.Diagnostic as it is; any other error at
// the section. Every message is masked as Decode masks. A nil err gives
// nil.
func Diagnose(sec *Section, dst any, err error) dsl.Diagnostics {
	if err == nil {
		return nil
	}
	if sec == nil {
		sec = &Section{}
	}
	r := &reporter{sec: sec}
	var ti *typeInfo
	if t, terr := structType(dst, "Diagnose"); terr == nil {
		ti = infoOf(t)
	}
	r.diagnose(ti, err)
	r.ds.Sort()
	return r.ds
}

// diagnose adds the diagnostics of err; ti may be nil.
func (r *reporter) diagnose(ti *typeInfo, err error) {
	if err == nil {
		return
	}
	var oe *Error
	switch e := err.(type) {
	case dsl.Diagnostics:
		for _, d := range e {
			r.diagnostic(d)
		}
	case *dsl.Diagnostic:
		r.diagnostic(e)
	case interface{ Unwrap() []error }:
		for _, e := range e.Unwrap() {
			r.diagnose(ti, e)
		}
	default:
		if errors.As(err, &oe) {
			r.optionErr(ti, oe)
			return
		}
		r.ds.Errorf(r.sec.Pos, "%s%s", r.prefix(), r.text(err.Error(), Source{}, false))
	}
}

// diagnostic adds a copy of d with its messages masked.
func (r *reporter) diagnostic(d *dsl.Diagnostic) {
	if d == nil {
		return
	}
	m := *d
	m.Msg = r.text(d.Msg, Source{}, false)
	m.Related = nil
	for _, rel := range d.Related {
		m.Related = append(m.Related, dsl.Related{Pos: rel.Pos, Msg: r.text(rel.Msg, Source{}, false)})
	}
	r.ds = append(r.ds, &m)
}

// optionErr places e at the key its option was read from.
func (r *reporter) optionErr(ti *typeInfo, e *Error) {
	msg := "<nil>"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	if ti != nil && ti.err == nil {
		if s, ok := ti.byName[e.Option]; ok {
			src, found := r.sec.find(s)
			r.report(dsl.SeverityError, s.name, src, found, msg)
			return
		}
	}
	v, found := r.sec.Local[e.Option]
	src := Source{Key: e.Option, Value: v, Pos: r.sec.localPos(e.Option)}
	r.report(dsl.SeverityError, e.Option, src, found, msg)
}
