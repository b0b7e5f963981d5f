package apps

import (
	"github.com/pasteserve/pasteserve/factory"
)

// pasteModuleRefs are the module references of Paste's entry points
// that built-in apps and composites implement, as Paste 3.5's
// entry_points.txt lists them: a paste file may name the module
// (paste.app_factory = paste.urlparser:make_static) where most write
// the egg name (use = egg:Paste#static), which is in each factory's own
// Aliases. The filters' are in package filters; paste_refs_test.go
// checks both against the installed Paste.
var pasteModuleRefs = []struct {
	name string
	kind factory.Kind
	ref  string
}{
	{"static", factory.KindApp, "paste.urlparser:make_static"},
	{"proxy", factory.KindApp, "paste.proxy:make_proxy"},
	{"cascade", factory.KindComposite, "paste.cascade:make_cascade"},
	{"urlmap", factory.KindComposite, "paste.urlmap:urlmap_factory"},
}

func init() {
	for _, r := range pasteModuleRefs {
		factory.Alias(r.name, r.kind, r.ref)
	}
}
