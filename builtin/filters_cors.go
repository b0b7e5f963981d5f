package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
	"github.com/pasteserve/pasteserve/options"
)

func init() {
	factory.Register(factory.FilterOf(factory.Spec{
		Name:    "cors",
		Aliases: []string{"egg:oslo.middleware#cors", "oslo_middleware:CORS.factory", "oslo_middleware.cors:CORS.factory", "oslo_middleware.cors:filter_factory"},
		Doc:     "answers CORS preflights and adds Access-Control-* headers for allowed origins (oslo's options)",
	}, corsDefaults, filters.NewCORS))
}

// corsProject is the key that picks a cors section's defaults: the
// service whose in-code [cors] defaults apply, read from the section or
// the [cors] group as the options are.
type corsProject struct {
	Project string `paste:"oslo_config_project,group=cors"`
}

// corsDefaults are the defaults of the service the section's
// oslo_config_project names (filters.CORSServiceDefaults).
func corsDefaults(sec *options.Section) filters.CORSOptions {
	var p corsProject
	options.Decode(sec, &p)
	return filters.CORSServiceDefaults(p.Project)
}
