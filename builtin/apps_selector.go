package builtin

import (
	"net/http"
	"sort"
	"strings"

	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/factory"
)

func init() {
	register := func(name string, s apps.Selector, aliases ...string) {
		factory.Register(selectorFactory(factory.Spec{
			Name:    name,
			Aliases: aliases,
			Doc:     "picks one of several pipelines by the global " + s.Setting + " (default " + s.Default + ")",
		}, s))
	}
	register("pipeline_selector", apps.Selector{Setting: "auth_strategy", Default: "keystone"},
		"call:neutron.auth:pipeline_factory",
		"call:quantum.auth:pipeline_factory",
		"call:cinder.api.auth:pipeline_factory",
		"call:cinder.api.middleware.auth:pipeline_factory",
		"call:congress.auth:pipeline_factory",
		"call:designate.api.middleware:auth_pipeline_factory",
		"call:ec2api.api.auth:pipeline_factory",
		"call:karbor.api.middleware.auth:pipeline_factory",
		"call:manila.api.middleware.auth:pipeline_factory",
		"call:masakari.api.auth:pipeline_factory_v1",
		"call:nova.api.auth:pipeline_factory",
		"call:nova.api.auth:pipeline_factory_v21",
		"call:tacker.auth:pipeline_factory",
		"call:venus.api.middleware.auth:pipeline_factory",
	)
	register("flavor_selector", apps.Selector{Setting: "flavor", Default: "default"},
		"glance.api:pipeline_factory",
		"heat.api:pipeline_factory",
	)
}

// selectorFactory is the paste side of a pipeline selector: every key
// of the section is a pipeline, and only the one the global setting
// picks is a child, so that the others (which may name filters this
// build has not) are neither resolved nor built.
func selectorFactory(spec factory.Spec, s apps.Selector) factory.Factory {
	picked := func(cfg *factory.Config) (string, string, bool) {
		key := s.Pick(cfg.Global)
		p, ok := cfg.Local[key]
		return key, p, ok
	}
	return factory.Factory{
		Name:      spec.Name,
		Aliases:   spec.Aliases,
		Doc:       spec.Doc,
		Kind:      factory.KindComposite,
		Namespace: spec.Namespace,
		Children: func(cfg *factory.Config) map[string]string {
			if key, p, ok := picked(cfg); ok {
				return map[string]string{key: p}
			}
			return nil
		},
		Composite: func(l factory.Loader, cfg *factory.Config) (http.Handler, error) {
			key, p, ok := picked(cfg)
			if !ok {
				keys := make([]string, 0, len(cfg.Local))
				for k := range cfg.Local {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				cfg.Errorf(s.Setting, "%s = %s selects the pipeline %q, which [%s] does not define (it defines %s)",
					s.Setting, key, key, cfg.Section, strings.Join(keys, ", "))
				return nil, cfg.Err()
			}
			h, err := l.GetApp(p)
			if err != nil {
				return nil, err
			}
			return apps.NewSelector(apps.SelectorOptions{Pipelines: map[string]http.Handler{key: h}, Pick: key})
		},
	}
}
