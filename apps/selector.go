package apps

import (
	"fmt"
	"net/http"
	"strings"
)

// Selector describes a pipeline selector, the composite that sixteen
// OpenStack projects each wrote their own copy of: its keys are
// alternative pipelines ("keystone = cors request_id authtoken context
// app"), and a global setting picks one. nova, neutron, cinder and the
// others pick by auth_strategy (default keystone); glance and heat by
// flavor (default "default"). The paste side (package builtin) loads
// only the pipeline picked, and builds it with NewSelector.
type Selector struct {
	// Setting is the global_conf key that picks the pipeline:
	// "auth_strategy", "flavor".
	Setting string
	// Default is the pipeline picked when Setting is not set or empty.
	Default string
}

// Pick returns the name of the pipeline that global picks.
func (s Selector) Pick(global map[string]string) string {
	if v := global[s.Setting]; v != "" {
		return v
	}
	return s.Default
}

// SelectorOptions are a pipeline selector's: its pipelines, and the one
// picked.
type SelectorOptions struct {
	// Pipelines are the alternatives, by name: "keystone", "noauth".
	Pipelines map[string]http.Handler
	// Pick names the pipeline that serves.
	Pick string
}

// Validate requires Pick to name one of Pipelines.
func (o SelectorOptions) Validate() error {
	if o.Pipelines[o.Pick] == nil {
		return fmt.Errorf("the pipeline %q is not one of %s", o.Pick, strings.Join(sortedKeys(o.Pipelines), ", "))
	}
	return nil
}

// NewSelector returns the pipeline o picks: a selector only chooses,
// when the app is built, so it adds nothing to the request path.
func NewSelector(o SelectorOptions) (http.Handler, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return o.Pipelines[o.Pick], nil
}
