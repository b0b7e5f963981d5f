package builtin

import (
	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/factory"
)

func init() {
	factory.Register(factory.AppOf(factory.Spec{
		Name:    "static",
		Aliases: []string{"egg:Paste#static"},
		Doc:     "serves the files under document_root (Paste's static), never outside it",
	}, nil, apps.NewStatic))
}
