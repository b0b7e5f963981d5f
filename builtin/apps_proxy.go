package builtin

import (
	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/factory"
)

func init() {
	factory.Register(factory.Factory{
		Name:    "proxy",
		Aliases: []string{"egg:Paste#proxy"},
		Kind:    factory.KindApp,
		Doc:     "forwards requests to address with httputil.ReverseProxy (Paste's proxy), request id included",
		App:     apps.Proxy,
	})
}
