package resolve

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/plan"
)

// Checklist items about PasteDeploy's API and factory calling, in their
// Go form.

func TestObjectTypes(t *testing.T) {
	// 1: loadapp, loadfilter, loadserver are Resolve with TypeApp,
	// TypeFilter, TypeServer; appconfig is the Local/Global of the result
	// (71, and pasteserve config).
	runResolveCases(t, []resolveCase{
		{id: "1 71 app", files: map[string]string{"api.ini": "[app:main]\nuse = egg:P#a\nk = v\n"}, expr: "egg:P#a", local: map[string]string{"k": "v"}},
		{id: "1 filter", files: map[string]string{"api.ini": "[filter:main]\nuse = egg:P#f\nk = v\n"}, typ: plan.TypeFilter, expr: "egg:P#f", local: map[string]string{"k": "v"}},
		{id: "1 server", files: map[string]string{"api.ini": "[server:main]\nuse = egg:Paste#http\nport = 8080\n"}, typ: plan.TypeServer, expr: "egg:Paste#http", local: map[string]string{"port": "8080"}},
		{id: "1 server is not found as an app", files: map[string]string{"api.ini": "[server:main]\nuse = egg:Paste#http\n"}, err: `no app named "main"`},
	})
}

func TestConfigPath(t *testing.T) {
	// 6, 7: relative paths need a directory; backslashes, "///",
	// percent-escapes and surrounding space.
	if _, err := configPath("relative.ini", ""); err == nil || !strings.Contains(err.Error(), "cannot resolve relative URI") {
		t.Errorf("6: relative without a directory: %v", err)
	}
	for _, tc := range []struct{ path, rel, want string }{
		{`sub\x.ini`, "/etc/app", "/etc/app/sub/x.ini"},
		{"x.ini", "/etc/app/", "/etc/app/x.ini"},
		{"///abs/x.ini", "/etc", "/abs/x.ini"},
		{"inc%32.ini", "/d", "/d/inc2.ini"},
		{"sub/../x.ini", "/d", "/d/sub/../x.ini"},
		{"x.ini  ", "/d", "/d/x.ini"},
	} {
		if got, err := configPath(tc.path, tc.rel); err != nil || got != tc.want {
			t.Errorf("7: configPath(%q, %q) = %q, %v; want %q", tc.path, tc.rel, got, err, tc.want)
		}
	}
}

func TestParseURI(t *testing.T) {
	// 2-5, 14: scheme, fragment, name argument, default name.
	for _, tc := range []struct{ uri, name, wantScheme, wantName, err string }{
		{"config:api.ini", "", "config", "main", ""},
		{"config:api.ini#other", "", "config", "other", ""},
		{"config:api.ini#ignored", "main", "config", "main", ""},
		{"CONFIG:api.ini", "", "config", "main", ""},
		{"api.ini", "", "", "", "URI has no scheme"},
		{"file:api.ini", "", "", "", `URI scheme not known: "file"`},
		{"call:nomodule", "", "", "", "call:module:function"},
		{"config:api.ini#", "", "", "", "empty object"},
	} {
		u, err := parseURI(tc.uri, tc.name)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseURI(%q) error = %v, want %q", tc.uri, err, tc.err)
			}
			continue
		}
		if err != nil || u.scheme != tc.wantScheme || u.name != tc.wantName {
			t.Errorf("parseURI(%q, %q) = %+v, %v", tc.uri, tc.name, u, err)
		}
	}
}

func TestCallProtocolFromSection(t *testing.T) {
	// 15, 16: a call: reference has no protocol of its own; the using
	// section's kind gives it.
	for kind, want := range map[string]plan.Protocol{"app": plan.ProtoApp, "application": plan.ProtoApp, "composite": plan.ProtoComposite,
		"composit": plan.ProtoComposite, "filter": plan.ProtoFilter, "server": plan.ProtoServer, "filter-app": "paste.filter-app_factory"} {
		if got := protocolFromKind(kind); got != want {
			t.Errorf("16: protocolFromKind(%q) = %q, want %q", kind, got, want)
		}
	}
	dir := files(t, map[string]string{"api.ini": "[composite:main]\nuse = call:m:f\n"})
	n, err := (&Resolver{}).Resolve(filepath.Join(dir, "api.ini"), "main", plan.TypeApp, nil)
	if err != nil || n.Protocol != plan.ProtoComposite {
		t.Errorf("15: call: in [composite:] has protocol %q (%v)", n.Protocol, err)
	}
}
