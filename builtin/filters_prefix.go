package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.FilterOf(factory.Spec{
		Name:    "prefix",
		Aliases: []string{"egg:PasteDeploy#prefix"},
		Doc:     "moves a path prefix to the script name and applies X-Forwarded-* (PasteDeploy's prefix)",
	}, factory.Defaults(filters.DefaultPrefixOptions), filters.NewPrefix))
}
