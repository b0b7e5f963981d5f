package builtin

import (
	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/factory"
)

func init() {
	factory.Register(factory.Factory{
		Name: "echo",
		Kind: factory.KindApp,
		Doc:  "answers with the request it saw (method, path, script name, headers) and its conf, as JSON",
		App:  apps.Echo,
	})
}
