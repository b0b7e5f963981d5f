package apps

import (
	"net/http"

	"github.com/pasteserve/pasteserve/factory"
)

// Selector is the pipeline selector, the composite that sixteen
// OpenStack projects each wrote their own copy of: its keys are
// alternative pipelines ("keystone = cors request_id authtoken context
// app"), and a global setting picks one. nova, neutron, cinder and the
// others pick by auth_strategy (default keystone); glance and heat by
// flavor (default "default").
type Selector struct {
	// Setting is the global_conf key that picks the pipeline:
	// "auth_strategy", "flavor".
	Setting string
	// Default is the pipeline picked when Setting is not set or empty.
	Default string
}

// Children names the one pipeline the setting picks: the factory's
// Children.
func (s Selector) Children(cfg *factory.Config) map[string]string {
	key := cfg.Global[s.Setting]
	if key == "" {
		key = s.Default
	}
	p, ok := cfg.Local[key]
	if !ok {
		cfg.Errorf(s.Setting, "%s = %s selects the pipeline %q, which [%s] does not define (it defines %s)",
			s.Setting, key, key, cfg.Section, keyList(cfg.Local))
		return nil
	}
	return map[string]string{key: p}
}

// Composite is the factory: the pipeline the setting picks.
func (s Selector) Composite(l factory.Loader, cfg *factory.Config) (http.Handler, error) {
	kids := s.Children(cfg)
	if err := cfg.Err(); err != nil {
		return nil, err
	}
	for _, p := range kids {
		return l.GetApp(p)
	}
	return nil, nil
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
