package builtin

import (
	"errors"
	"slices"
	"strconv"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
	"github.com/pasteserve/pasteserve/options"
)

// errordocument is a custom shape: every key of its section is a status
// code, which no tag can say, so its adapter reads the section's keys
// itself. It has no option table (Options is nil): its keys are data,
// described in docs/filters.md.
func init() {
	factory.Register(factory.Factory{
		Name:    "errordocument",
		Aliases: []string{"egg:Paste#errordocument"},
		Kind:    factory.KindFilter,
		Doc:     "serves a page of the app in place of its error bodies, keeping the status (Paste's errordocument)",
		Filter:  errorDocument,
	})
}

// errorDocument reads every key of the section as a status code mapped
// to a path, reporting each bad one at its key, in file order.
func errorDocument(cfg *factory.Config) (factory.Middleware, error) {
	sec := factory.SectionOf(cfg)
	keys := make([]string, 0, len(sec.Local))
	for k := range sec.Local {
		keys = append(keys, k)
	}
	slices.SortStableFunc(keys, func(a, b string) int {
		pa, pb := sec.LocalPos[a], sec.LocalPos[b]
		switch {
		case pa.Before(pb):
			return -1
		case pb.Before(pa):
			return 1
		}
		return 0
	})
	o := filters.ErrorDocumentOptions{Pages: map[int]string{}}
	var errs []error
	for _, k := range keys {
		code, err := strconv.Atoi(k)
		if err != nil || code < 400 || code > 599 {
			// Quoted as written ("+200", "notfound"), which Validate,
			// given only the number, cannot do.
			errs = append(errs, options.Errorf(k, "bad status code %q: errordocument keys are error statuses (400-599) mapped to paths", k))
			continue
		}
		one := filters.ErrorDocumentOptions{Pages: map[int]string{code: sec.Local[k]}}
		if err := one.Validate(); err != nil {
			// About the key as written ("0404" is 404).
			var oe *options.Error
			if errors.As(err, &oe) {
				err = &options.Error{Option: k, Err: oe.Err}
			}
			errs = append(errs, err)
			continue
		}
		o.Pages[code] = sec.Local[k]
	}
	if err := errors.Join(errs...); err != nil {
		return nil, options.Diagnose(sec, &o, err)
	}
	mw, err := filters.NewErrorDocument(o)
	if err != nil {
		return nil, options.Diagnose(sec, &o, err)
	}
	return mw, nil
}
