package builtin

import (
	"net/http"
	"sort"

	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/options"
)

func init() {
	factory.Register(urlmapFactory(factory.Spec{
		Name:    "urlmap",
		Aliases: []string{"egg:Paste#urlmap"},
		Doc:     "routes by path prefix (and host, port) to other apps, as Paste's urlmap",
	}, apps.NewURLMap, nil))
}

// urlmapPaste is what a urlmap section says besides its routes, for the
// option table; every other key of the section is a route.
type urlmapPaste struct {
	NotFoundApp string `paste:"not_found_app,doc=the app that answers what no route matches (from the section, else from global_conf; default a plain 404); every other key is a route, [domain D] [port P] /path = APP"`
}

// urlmapFactory is the paste side of a urlmap flavor: every key of the
// section is a route but not_found_app, which may come from global_conf
// too (Paste's urlmap_factory reads it from both), so no tag can say it.
// dropped, when set, drops some routes before anything is loaded (see
// cinderRemovedRoutes).
func urlmapFactory(s factory.Spec, build func(apps.URLMapOptions) (http.Handler, error),
	dropped func(cfg *factory.Config, routes map[string]string, warn bool)) factory.Factory {
	children := func(cfg *factory.Config, warn bool) map[string]string {
		kids := make(map[string]string, len(cfg.Local)+1)
		for k, v := range cfg.Local {
			kids[k] = v
		}
		if _, ok := kids["not_found_app"]; !ok {
			if v, ok := cfg.Global["not_found_app"]; ok {
				kids["not_found_app"] = v
			}
		}
		if dropped != nil {
			dropped(cfg, kids, warn)
		}
		return kids
	}
	return factory.Factory{
		Name:      s.Name,
		Namespace: s.Namespace,
		Aliases:   s.Aliases,
		Doc:       s.Doc,
		Kind:      factory.KindComposite,
		Children:  func(cfg *factory.Config) map[string]string { return children(cfg, false) },
		Composite: func(l factory.Loader, cfg *factory.Config) (http.Handler, error) {
			kids := children(cfg, true)
			keys := make([]string, 0, len(kids))
			for k := range kids {
				keys = append(keys, k)
			}
			// File order, so that of two keys that normalise the same
			// (/foo and /foo/) the later one wins, as in Paste.
			sort.Slice(keys, func(i, j int) bool { return cfg.Pos(keys[i]).Before(cfg.Pos(keys[j])) })
			o := apps.URLMapOptions{Routes: make(map[string]http.Handler, len(keys)), Order: keys}
			for _, k := range keys {
				h, err := l.GetApp(kids[k])
				if err != nil {
					return nil, err
				}
				if k == "not_found_app" {
					o.NotFound = h
					continue
				}
				o.Routes[k] = h
			}
			h, err := build(o)
			if err != nil {
				sec := factory.SectionOf(cfg)
				return nil, options.Diagnose(sec, &urlmapPaste{}, err).Err()
			}
			return h, nil
		},
		Options: func() ([]options.Option, error) { return options.Describe(&urlmapPaste{}) },
	}
}
