package build

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/resolve"
)

// An error a factory returns (not through Config.Errorf) is masked as
// Errorf masks: URL passwords, and the values of the node's secret keys
// (local or global) wherever the message quotes them, also inside the
// value of another key they were interpolated into.
func TestFactoryErrorsMaskSecrets(t *testing.T) {
	reg := testRegistry()
	reg.Register(factory.Factory{Name: "db", Namespace: "pasteserve", Kind: factory.KindApp, App: func(cfg *factory.Config) (http.Handler, error) {
		return nil, fmt.Errorf("cannot connect to mysql://nova:FACTORYPW@db/nova as %q with %s (%s)",
			cfg.Local["basic"], cfg.Local["admin_password"], cfg.Global["db_pass"])
	}})
	reg.Register(factory.Factory{Name: "diag", Namespace: "pasteserve", Kind: factory.KindApp, App: func(cfg *factory.Config) (http.Handler, error) {
		var ds dsl.Diagnostics
		ds.Errorf(cfg.Pos("admin_password"), "rejected %s", cfg.Local["admin_password"])
		return nil, ds
	}})
	for _, use := range []string{"egg:pasteserve#db", "egg:pasteserve#diag"} {
		dir := files(t, map[string]string{"api.ini": "[DEFAULT]\ndb_pass = GLOBALPW\n[app:main]\nuse = " + use +
			"\nadmin_password = LOCALPW\nbasic = user:%(db_pass)s\n"})
		n, err := (&resolve.Resolver{Registry: reg}).Resolve(filepath.Join(dir, "api.ini"), "main", plan.TypeApp, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Handler(n, reg)
		if err == nil {
			t.Fatalf("%s: built", use)
		}
		msg := err.Error()
		if strings.Contains(msg, "PW") {
			t.Errorf("%s: the error quotes a secret:\n%s", use, msg)
		}
		if !strings.Contains(msg, "****") || !strings.Contains(msg, "api.ini:") {
			t.Errorf("%s: %s", use, msg)
		}
	}
}
