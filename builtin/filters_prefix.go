package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.Factory{
		Name:    "prefix",
		Aliases: []string{"egg:PasteDeploy#prefix"},
		Kind:    factory.KindFilter,
		Doc:     "moves a path prefix to the script name and applies X-Forwarded-* (PasteDeploy's prefix)",
		Filter:  filters.Prefix,
	})
}
