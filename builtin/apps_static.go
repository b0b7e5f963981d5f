package builtin

import (
	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/factory"
)

func init() {
	factory.Register(factory.Factory{
		Name:    "static",
		Aliases: []string{"egg:Paste#static"},
		Kind:    factory.KindApp,
		Doc:     "serves the files under document_root (Paste's static), never outside it",
		App:     apps.Static,
	})
}
