package apps

import (
	"net/http"

	"github.com/pasteserve/pasteserve/factory"
)

// The pipeline selector is the composite that sixteen OpenStack projects
// each wrote their own copy of: its keys are alternative pipelines
// ("keystone = cors request_id authtoken context app"), and a global
// setting picks one. nova, neutron, cinder and the others pick by
// auth_strategy (default keystone); glance and heat by flavor (default
// "default").
func init() {
	register := func(name, setting, def string, aliases ...string) {
		children := func(cfg *factory.Config) map[string]string {
			key := cfg.Global[setting]
			if key == "" {
				key = def
			}
			p, ok := cfg.Local[key]
			if !ok {
				cfg.Errorf(setting, "%s = %s selects the pipeline %q, which [%s] does not define (it defines %s)",
					setting, key, key, cfg.Section, keyList(cfg.Local))
				return nil
			}
			return map[string]string{key: p}
		}
		factory.Register(factory.Factory{
			Name:     name,
			Aliases:  aliases,
			Kind:     factory.KindComposite,
			Doc:      "picks one of several pipelines by the global " + setting + " (default " + def + ")",
			Children: children,
			Composite: func(l factory.Loader, cfg *factory.Config) (http.Handler, error) {
				kids := children(cfg)
				if err := cfg.Err(); err != nil {
					return nil, err
				}
				for _, p := range kids {
					return l.GetApp(p)
				}
				return nil, nil
			},
		})
	}
	register("pipeline_selector", "auth_strategy", "keystone",
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
	register("flavor_selector", "flavor", "default",
		"glance.api:pipeline_factory",
		"heat.api:pipeline_factory",
	)
}

func keyList(m map[string]string) string {
	var s string
	for i, k := range sortedKeys(m) {
		if i > 0 {
			s += ", "
		}
		s += k
	}
	return s
}
