package builtin

import (
	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/factory"
)

func init() {
	factory.Register(factory.Factory{
		Name:      "cascade",
		Aliases:   []string{"egg:Paste#cascade"},
		Kind:      factory.KindComposite,
		Doc:       "tries app* in name order until one answers with a status not in catch (Paste's cascade)",
		Composite: apps.Cascade,
		Children:  apps.CascadeChildren,
	})
}
