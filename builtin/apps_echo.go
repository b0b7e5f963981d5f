package builtin

import (
	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/options"
)

func init() {
	factory.Register(factory.AppOf(factory.Spec{
		Name: "echo",
		Doc:  "answers with the request it saw (method, path, script name, headers) and its conf, as JSON",
	}, echoConf, apps.NewEcho))
}

// echoConf is the configuration echo shows: its section's, whole.
func echoConf(sec *options.Section) apps.EchoOptions {
	return apps.EchoOptions{Conf: sec.Local, GlobalConf: sec.Global}
}
