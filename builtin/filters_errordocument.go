package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.Factory{
		Name:    "errordocument",
		Aliases: []string{"egg:Paste#errordocument"},
		Kind:    factory.KindFilter,
		Doc:     "serves a page of the app in place of its error bodies, keeping the status (Paste's errordocument)",
		Filter:  filters.ErrorDocument,
	})
}
