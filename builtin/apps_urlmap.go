package builtin

import (
	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/factory"
)

func init() {
	factory.Register(factory.Factory{
		Name:      "urlmap",
		Aliases:   []string{"egg:Paste#urlmap"},
		Kind:      factory.KindComposite,
		Doc:       "routes by path prefix (and host, port) to other apps, as Paste's urlmap",
		Composite: apps.URLMap,
		Children:  apps.URLMapChildren,
	})
}
