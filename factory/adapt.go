package factory

import (
	"net/http"
	"path/filepath"

	"github.com/pasteserve/pasteserve/options"
)

// Spec is what a factory answers to and says about itself: every field
// of a Factory but its functions. FilterOf, AppOf and CompositeOf take
// one and make the Factory around a Go constructor.
type Spec struct {
	// Name is the Go name, which the factory also answers to as
	// egg:NAMESPACE#Name.
	Name string
	// Namespace is the egg distribution Name answers under: empty for the
	// registering package's path (pasteserve for package builtin); see
	// Factory.Namespace.
	Namespace string
	// Aliases are the Python references the factory stands for; see
	// Factory.Aliases.
	Aliases []string
	// Doc is a one-line description for listings.
	Doc string
}

func (s Spec) factory(k Kind) Factory {
	return Factory{Name: s.Name, Namespace: s.Namespace, Aliases: s.Aliases, Doc: s.Doc, Kind: k}
}

// FilterOf makes the paste side of a Go filter constructor: a Factory
// that decodes its section into an O (an options struct whose fields
// carry paste tags, see package options) and calls build with it.
//
// defaults returns the options a section starts from, before its keys
// are decoded over them: usually the filter's documented DefaultXxx
// function, whatever the section (Defaults makes such a function), but
// it gets the section so that defaults may depend on a key of it (cors'
// oslo_config_project picks a service's defaults). nil starts from the
// zero value.
//
// The factory reports every problem of the section at once, each at the
// key it is about: what options.Decode finds (values that do not fit,
// and what O's Validate method says), and build's errors placed by
// options.Diagnose (an options.Errorf error at its option's key, any
// other at the section). Its Options table is options.Describe of
// defaults(an empty section), and its Groups the option groups O reads.
func FilterOf[O any](s Spec, defaults func(*options.Section) O, build func(O) (func(http.Handler) http.Handler, error)) Factory {
	defaults = orZero(defaults)
	f := s.factory(KindFilter)
	f.Filter = func(cfg *Config) (Middleware, error) {
		o, sec, err := decode(cfg, defaults)
		if err != nil {
			return nil, err
		}
		mw, err := build(o)
		if err != nil {
			return nil, diagnosed(sec, &o, err)
		}
		return mw, nil
	}
	describe(&f, defaults)
	return f
}

// AppOf is FilterOf for an app: build returns the http.Handler.
func AppOf[O any](s Spec, defaults func(*options.Section) O, build func(O) (http.Handler, error)) Factory {
	defaults = orZero(defaults)
	f := s.factory(KindApp)
	f.App = func(cfg *Config) (http.Handler, error) {
		o, sec, err := decode(cfg, defaults)
		if err != nil {
			return nil, err
		}
		h, err := build(o)
		if err != nil {
			return nil, diagnosed(sec, &o, err)
		}
		return h, nil
	}
	describe(&f, defaults)
	return f
}

// CompositeOf is AppOf for a composite: children names, from the decoded
// options, the apps it loads (child key to app name or URI, see
// Factory.Children), and build gets the Loader that loads them.
// Resolution calls children with options decoded from the section as
// the build will (with the defaults where a value is wrong: the build
// reports it).
func CompositeOf[O any](s Spec, defaults func(*options.Section) O, children func(O) map[string]string,
	build func(Loader, O) (http.Handler, error)) Factory {
	defaults = orZero(defaults)
	f := s.factory(KindComposite)
	f.Children = func(cfg *Config) map[string]string {
		sec := SectionOf(cfg)
		o := defaults(sec)
		options.Decode(sec, &o)
		return children(o)
	}
	f.Composite = func(l Loader, cfg *Config) (http.Handler, error) {
		o, sec, err := decode(cfg, defaults)
		if err != nil {
			return nil, err
		}
		h, err := build(l, o)
		if err != nil {
			return nil, diagnosed(sec, &o, err)
		}
		return h, nil
	}
	describe(&f, defaults)
	return f
}

// Defaults turns a DefaultXxx function into the defaults FilterOf,
// AppOf and CompositeOf take: the same options whatever the section.
func Defaults[O any](fn func() O) func(*options.Section) O {
	return func(*options.Section) O { return fn() }
}

func orZero[O any](defaults func(*options.Section) O) func(*options.Section) O {
	if defaults != nil {
		return defaults
	}
	return func(*options.Section) O {
		var o O
		return o
	}
}

// SectionOf is the section cfg describes, as package options reads it:
// its name, local and global configuration, where each key was written,
// and the directory of its paste file (%(here)s) for path options. A
// factory that decodes its options itself (a custom shape, such as
// urlmap's routes) starts from it.
func SectionOf(cfg *Config) *options.Section {
	sec := &options.Section{Name: cfg.Section, Local: cfg.Local, Global: cfg.Global}
	if n := cfg.node; n != nil {
		sec.Pos = n.Pos
		sec.LocalPos = n.LocalPos
		if n.File != "" {
			sec.Here = filepath.Dir(n.File)
		}
	}
	return sec
}

// decode fills an O from cfg's section, starting from defaults.
//
// Warnings (a deprecated name used) are dropped when there is no error:
// a factory returns an error or nothing, and the build has no list of
// warnings yet.
func decode[O any](cfg *Config, defaults func(*options.Section) O) (O, *options.Section, error) {
	sec := SectionOf(cfg)
	o := defaults(sec)
	ds := options.Decode(sec, &o)
	if err := ds.Err(); err != nil {
		return o, sec, err
	}
	return o, sec, nil
}

// diagnosed places err, a constructor's error, at the keys it is about.
func diagnosed(sec *options.Section, o any, err error) error {
	if ds := options.Diagnose(sec, o, err); len(ds) > 0 {
		return ds
	}
	return err
}

// describe sets f's option table and groups from O.
func describe[O any](f *Factory, defaults func(*options.Section) O) {
	f.Options = func() ([]options.Option, error) {
		return options.Describe(defaults(&options.Section{}))
	}
	var zero O
	// A malformed tag is reported by Options, which a test over every
	// registered factory calls, and by Decode at every build.
	f.Groups, _ = options.Groups(&zero)
}
