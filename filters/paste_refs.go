package filters

import (
	"github.com/pasteserve/pasteserve/factory"
)

// pasteModuleRefs are the module references of Paste's and PasteDeploy's
// entry points that built-in filters implement, as their
// entry_points.txt (Paste 3.5, PasteDeploy 3.0) list them: a paste file
// may name the module (paste.filter_app_factory =
// paste.gzipper:make_gzip_middleware) where most write the egg name
// (use = egg:Paste#gzip), which is in each factory's own Aliases. They
// are kept in one table, apps' beside it, so that they read against
// those files; apps/paste_refs_test.go checks them against the
// installed ones.
var pasteModuleRefs = map[string]string{
	"gzip":          "paste.gzipper:make_gzip_middleware",
	"access_log":    "paste.translogger:make_filter",
	"errordocument": "paste.errordocument:make_errordocument",
	"prefix":        "paste.deploy.config:make_prefix_middleware",
}

func init() {
	for name, ref := range pasteModuleRefs {
		factory.Alias(name, factory.KindFilter, ref)
	}
}
