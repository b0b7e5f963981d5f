package builtin

import (
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/options"
)

func init() {
	factory.Register(factory.Factory{
		Name:      "cascade",
		Aliases:   []string{"egg:Paste#cascade"},
		Kind:      factory.KindComposite,
		Doc:       "tries app* in name order until one answers with a status not in catch (Paste's cascade)",
		Composite: cascade,
		Children:  cascadeChildren,
		Options:   func() ([]options.Option, error) { return options.Describe(&cascadePaste{Catch: []string{"404"}}) },
	})
}

// cascadePaste is what a cascade section says besides its apps, which
// are the keys starting with "app" (no tag can say those). catch is read
// as words, so that a bad one keeps its message, "is not a status code".
type cascadePaste struct {
	Catch []string `paste:"catch,doc=statuses that mean try the next app; every other key is an app, app1 = NAME, tried in the order of the key names as strings"`
}

// cascadeChildren names the apps: every key starting with "app".
func cascadeChildren(cfg *factory.Config) map[string]string {
	kids := map[string]string{}
	for k, v := range cfg.Local {
		if strings.HasPrefix(k, "app") {
			kids[k] = v
		}
	}
	return kids
}

// cascade is the paste side of apps.NewCascade: the section's app* keys
// in the order of their names, and catch, every problem reported at once
// before any app is loaded.
func cascade(l factory.Loader, cfg *factory.Config) (http.Handler, error) {
	sec := factory.SectionOf(cfg)
	p := cascadePaste{}
	ds := options.Decode(sec, &p)
	if err := ds.Err(); err != nil {
		return nil, err
	}
	o := apps.DefaultCascadeOptions()
	var errs []error
	if _, given := options.Lookup(sec, &p, "catch"); given {
		o.Catch = nil
		for _, s := range p.Catch {
			code, err := strconv.Atoi(s)
			if err != nil || code < 100 || code > 599 {
				errs = append(errs, options.Errorf("catch", "%q is not a status code", s))
				continue
			}
			o.Catch = append(o.Catch, code)
		}
	}
	keys := make([]string, 0, len(cfg.Local))
	for k := range cfg.Local {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var names []string
	for _, k := range keys {
		switch {
		case strings.HasPrefix(k, "app"):
			names = append(names, k)
		case k != "catch":
			errs = append(errs, options.Errorf(k, "bad configuration key: all keys of a cascade but catch must start with 'app'"))
		}
	}
	if len(names) == 0 {
		errs = append(errs, options.Errorf("app", "a cascade needs at least one app1 = NAME key"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, options.Diagnose(sec, &p, err).Err()
	}
	for _, k := range names {
		h, err := l.GetApp(cfg.Local[k])
		if err != nil {
			return nil, err
		}
		o.Apps = append(o.Apps, h)
	}
	h, err := apps.NewCascade(o)
	if err != nil {
		return nil, options.Diagnose(sec, &p, err).Err()
	}
	return h, nil
}
