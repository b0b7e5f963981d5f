package builtin

import (
	"github.com/pasteserve/pasteserve/factory"
)

// pasteModuleRefs are the module references of Paste's and PasteDeploy's
// entry points that built-in filters, apps and composites implement, as
// their entry_points.txt (Paste 3.5, PasteDeploy 3.0) list them: a paste
// file may name the module (paste.app_factory =
// paste.urlparser:make_static, paste.filter_app_factory =
// paste.gzipper:make_gzip_middleware) where most write the egg name (use
// = egg:Paste#static), which is in each factory's own Aliases. They are
// kept in one table so that they read against those files;
// apps/paste_refs_test.go checks them against the installed ones.
var pasteModuleRefs = []struct {
	name string
	kind factory.Kind
	ref  string
}{
	{"static", factory.KindApp, "paste.urlparser:make_static"},
	{"proxy", factory.KindApp, "paste.proxy:make_proxy"},
	{"cascade", factory.KindComposite, "paste.cascade:make_cascade"},
	{"urlmap", factory.KindComposite, "paste.urlmap:urlmap_factory"},
	{"gzip", factory.KindFilter, "paste.gzipper:make_gzip_middleware"},
	{"access_log", factory.KindFilter, "paste.translogger:make_filter"},
	{"errordocument", factory.KindFilter, "paste.errordocument:make_errordocument"},
	{"prefix", factory.KindFilter, "paste.deploy.config:make_prefix_middleware"},
}

func init() {
	for _, r := range pasteModuleRefs {
		factory.Alias(r.name, r.kind, r.ref)
	}
}
