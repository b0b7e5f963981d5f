package builtin

import (
	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/factory"
)

func init() {
	factory.Register(factory.AppOf(factory.Spec{
		Name:    "proxy",
		Aliases: []string{"egg:Paste#proxy"},
		Doc:     "forwards requests to address with httputil.ReverseProxy (Paste's proxy), request id included",
	}, nil, apps.NewProxy))
}
