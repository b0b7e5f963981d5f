package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.FilterOf(factory.Spec{
		Name:    "access_log",
		Aliases: []string{"egg:Paste#translogger", "nova.api.openstack.requestlog:RequestLog.factory"},
		Doc:     "logs one zerolog line per request: method, URL, status, size, duration (Paste's translogger)",
	}, factory.Defaults(filters.DefaultAccessLogOptions), filters.NewAccessLog))
}
