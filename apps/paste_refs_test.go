package apps

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
)

// entryPoint is one line of a Python distribution's entry_points.txt.
type entryPoint struct {
	dist, group, name, ref string
}

// pythonEntryPoints are the paste entry points of Paste, PasteDeploy and
// oslo.middleware, as Paste 3.5.2, PasteDeploy 3.0.1 and
// oslo.middleware 5.0.0 list them, for the egg names pasteserve
// implements. TestPythonEntryPoints checks the installed files against
// the registry as well, when they are there.
var pythonEntryPoints = []entryPoint{
	{"Paste", "paste.app_factory", "proxy", "paste.proxy:make_proxy"},
	{"Paste", "paste.app_factory", "static", "paste.urlparser:make_static"},
	{"Paste", "paste.composite_factory", "cascade", "paste.cascade:make_cascade"},
	{"Paste", "paste.composite_factory", "urlmap", "paste.urlmap:urlmap_factory"},
	{"Paste", "paste.filter_app_factory", "errordocument", "paste.errordocument:make_errordocument"},
	{"Paste", "paste.filter_app_factory", "gzip", "paste.gzipper:make_gzip_middleware"},
	{"Paste", "paste.filter_app_factory", "translogger", "paste.translogger:make_filter"},
	{"PasteDeploy", "paste.filter_app_factory", "prefix", "paste.deploy.config:make_prefix_middleware"},
	{"oslo.middleware", "paste.app_factory", "healthcheck", "oslo_middleware:Healthcheck.app_factory"},
	{"oslo.middleware", "paste.filter_factory", "basic_auth", "oslo_middleware:BasicAuthMiddleware.factory"},
	{"oslo.middleware", "paste.filter_factory", "catch_errors", "oslo_middleware:CatchErrors.factory"},
	{"oslo.middleware", "paste.filter_factory", "correlation_id", "oslo_middleware:CorrelationId.factory"},
	{"oslo.middleware", "paste.filter_factory", "cors", "oslo_middleware:CORS.factory"},
	{"oslo.middleware", "paste.filter_factory", "debug", "oslo_middleware:Debug.factory"},
	{"oslo.middleware", "paste.filter_factory", "healthcheck", "oslo_middleware:Healthcheck.factory"},
	{"oslo.middleware", "paste.filter_factory", "http_proxy_to_wsgi", "oslo_middleware:HTTPProxyToWSGI.factory"},
	{"oslo.middleware", "paste.filter_factory", "request_id", "oslo_middleware:RequestId.factory"},
	{"oslo.middleware", "paste.filter_factory", "sizelimit", "oslo_middleware:RequestBodySizeLimiter.factory"},
}

func entryPointType(group string) plan.ObjectType {
	if strings.Contains(group, "filter") {
		return plan.TypeFilter
	}
	return plan.TypeApp
}

// checkEntryPoint: when the egg name resolves, the module reference
// resolves to the same factory (a paste file may write either).
func checkEntryPoint(t *testing.T, ep entryPoint, mustResolve bool) {
	t.Helper()
	typ := entryPointType(ep.group)
	egg := "egg:" + ep.dist + "#" + ep.name
	byEgg, ok := factory.Default.Lookup(egg, typ)
	if !ok {
		if mustResolve {
			t.Errorf("%s (%s) does not resolve", egg, typ)
		}
		return
	}
	if byRef, ok := factory.Default.Lookup(ep.ref, typ); !ok || byRef != byEgg {
		t.Errorf("%s is %s's %q, but its module reference %s (%s) resolves to %v", egg, byEgg.Kind, byEgg.Name, ep.ref, ep.group, byRef)
	}
}

func TestPythonEntryPoints(t *testing.T) {
	for _, ep := range pythonEntryPoints {
		checkEntryPoint(t, ep, true)
	}
	// Every entry point of the installed distributions whose egg name
	// pasteserve implements resolves by module reference too.
	var found []string
	for _, dist := range []string{"Paste", "PasteDeploy", "oslo.middleware"} {
		files, _ := filepath.Glob("/usr/lib/python3/dist-packages/" + dist + "-*.*-info/entry_points.txt")
		for _, file := range files {
			found = append(found, file)
			eps, err := readEntryPoints(dist, file)
			if err != nil {
				t.Fatal(err)
			}
			for _, ep := range eps {
				checkEntryPoint(t, ep, false)
			}
		}
	}
	if len(found) == 0 {
		t.Log("Paste's, PasteDeploy's and oslo.middleware's entry_points.txt are not installed: checked the built-in table only")
	}
}

// readEntryPoints reads the paste groups of an entry_points.txt.
func readEntryPoints(dist, file string) ([]entryPoint, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []entryPoint
	group := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "["):
			group = strings.Trim(line, "[]")
		case strings.HasPrefix(group, "paste.") && strings.Contains(line, "="):
			name, ref, _ := strings.Cut(line, "=")
			ref, _, _ = strings.Cut(strings.TrimSpace(ref), " ") // drop "[extra]"
			if group == "paste.server_runner" || group == "paste.server_factory" || group == "paste.paster_create_template" {
				continue
			}
			out = append(out, entryPoint{dist, group, strings.TrimSpace(name), ref})
		}
	}
	return out, sc.Err()
}

// TestPasteModuleRefsBuild: paste files that name Paste's modules
// instead of its egg build.
func TestPasteModuleRefsBuild(t *testing.T) {
	dir := staticDir(t)
	mustBuildApp(t, "[composite:main]\npaste.composite_factory = paste.urlmap:urlmap_factory\n/ = files\n/api = up\n"+
		"[composite:files]\npaste.composite_factory = paste.cascade:make_cascade\napp1 = static\napp2 = ok\n"+
		"[pipeline:static]\npipeline = gzip log errors prefix root\n"+
		"[filter:gzip]\npaste.filter_app_factory = paste.gzipper:make_gzip_middleware\n"+
		"[filter:log]\npaste.filter_app_factory = paste.translogger:make_filter\n"+
		"[filter:errors]\npaste.filter_app_factory = paste.errordocument:make_errordocument\n404 = /missing\n"+
		"[filter:prefix]\npaste.filter_app_factory = paste.deploy.config:make_prefix_middleware\n"+
		"[app:root]\npaste.app_factory = paste.urlparser:make_static\ndocument_root = "+dir+"\n"+
		"[app:up]\npaste.app_factory = paste.proxy:make_proxy\naddress = http://127.0.0.1:9\n"+cascadeApps)
}
