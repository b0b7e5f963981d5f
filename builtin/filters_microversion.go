package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/filters"
)

func init() {
	factory.Register(factory.FilterOf(factory.Spec{
		Name: "microversion",
		Doc:  "negotiates OpenStack-API-Version between min_version and max_version (406 outside, 400 malformed)",
	}, nil, filters.NewMicroversion))
}
