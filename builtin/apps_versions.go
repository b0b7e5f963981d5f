package builtin

import (
	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/factory"
)

func init() {
	factory.Register(factory.Factory{
		Name:    "versions",
		Aliases: []string{"neutron.pecan_wsgi.app:versions_factory"},
		Kind:    factory.KindApp,
		Doc:     "answers GET / with a versions document whose links follow the request's scheme, host and script name",
		App:     apps.Versions,
	})
}
