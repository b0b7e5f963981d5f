package pasteservecmd

import (
	"strings"
	"testing"
)

// pythonPaste is a pipeline whose Python filter splits it: request_id
// and http_proxy_to_wsgi run in Go, context, the second request_id and
// the app in Python.
const pythonPaste = `[composite:main]
use = egg:Paste#urlmap
/ = versions
/v1 = api

[pipeline:versions]
pipeline = request_id versionsapp

[pipeline:api]
pipeline = request_id proxy context request_id2 apiapp

[filter:request_id]
paste.filter_factory = oslo_middleware:RequestId.factory
[filter:request_id2]
paste.filter_factory = oslo_middleware:RequestId.factory
[filter:proxy]
paste.filter_factory = oslo_middleware:HTTPProxyToWSGI.factory
[filter:context]
paste.filter_factory = myproj.context:Context.factory
[app:apiapp]
paste.app_factory = myproj.api:app_factory
[app:versionsapp]
paste.app_factory = myproj.api:versions_factory
`

// With --python, graph says where every part runs, in each format, and
// check does too, of each section, with no error for the references
// that have no Go factory.
func TestPythonShowsWhereEachPartRuns(t *testing.T) {
	path := writeTemp(t, "api.ini", pythonPaste)
	code, out, errOut := runCLI(t, "graph", "--paste", path, "--python", "/usr/bin/python3")
	for _, want := range []string{
		"[composite:main] composite egg:Paste#urlmap (urlmap) [Go]  api.ini:1:1",
		"/v1 -> [pipeline:api] pipeline [Go, then Python]  api.ini:9:1",
		"filter [filter:proxy] filter oslo_middleware:HTTPProxyToWSGI.factory (http_proxy_to_wsgi) [Go]  api.ini:16:1",
		"filter [filter:context] filter myproj.context:Context.factory (unregistered) [Python]  api.ini:18:1",
		// Registered, but after the split: its Python original runs.
		"filter [filter:request_id2] filter oslo_middleware:RequestId.factory (request_id) [Python]  api.ini:14:1",
		"app [app:apiapp] app myproj.api:app_factory (unregistered) [Python]  api.ini:20:1",
	} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("graph --python: exit %d, lacks %q:\n%s%s", code, want, out, errOut)
		}
	}
	code, out, _ = runCLI(t, "graph", "--paste", path, "--python", "/usr/bin/python3", "--format", "expr")
	if want := "egg:Paste#urlmap{/=oslo_middleware:RequestId.factory(python[myproj.api:versions_factory]), /v1=oslo_middleware:RequestId.factory(oslo_middleware:HTTPProxyToWSGI.factory(python[myproj.context:Context.factory(oslo_middleware:RequestId.factory(myproj.api:app_factory))]))}"; code != 0 || strings.TrimSpace(out) != want {
		t.Errorf("graph --python --format expr:\n%s\nwant\n%s", out, want)
	}
	code, out, _ = runCLI(t, "graph", "--paste", path, "--python", "/usr/bin/python3", "--format", "json")
	if code != 0 || !strings.Contains(out, `"runs_in": "Go, then Python"`) || !strings.Contains(out, `"runs_in": "Python"`) {
		t.Errorf("graph --python --format json:\n%s", out)
	}
	code, out, _ = runCLI(t, "graph", "--paste", path, "--python", "/usr/bin/python3", "--format", "dot")
	if code != 0 || !strings.Contains(out, `[label="[filter:context]\nmyproj.context:Context.factory\nin Python"]`) {
		t.Errorf("graph --python --format dot:\n%s", out)
	}
	// Without --python, nothing is said about it.
	code, out, _ = runCLI(t, "graph", "--paste", path)
	if code != 0 || strings.Contains(out, "[Go]") || strings.Contains(out, "Python") {
		t.Errorf("graph without --python:\n%s", out)
	}

	code, out, errOut = runCLI(t, "check", "--paste", path, "--python", "/usr/bin/python3")
	for _, want := range []string{"no errors", "[composite:main] (3 keys): Go", "[pipeline:api] (1 keys): Go, then Python", "[filter:request_id] (1 keys): Go", "[filter:request_id2] (1 keys): Python", "[app:apiapp] (1 keys): Python"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("check --python: exit %d, lacks %q:\n%s%s", code, want, out, errOut)
		}
	}
	code, out, _ = runCLI(t, "config", "--paste", path, "--name", "api", "--python", "/usr/bin/python3")
	if code != 0 || !strings.Contains(out, `"runs_in": "Go, then Python"`) {
		t.Errorf("config --python:\n%s", out)
	}
	code, out, _ = runCLI(t, "config", "--paste", path, "--name", "context", "--kind", "filter", "--python", "/usr/bin/python3")
	if code != 0 || !strings.Contains(out, `"runs_in": "Python"`) {
		t.Errorf("config --python of a Python filter:\n%s", out)
	}
}

// Without --python, check's error for a reference with no Go factory
// says how to run it in Python; with it, a composite's inline pipeline
// splits like any pipeline, and a part Python cannot run (pasteserve's
// own reference after the split) is still an error.
func TestCheckNamesPython(t *testing.T) {
	path := writeTemp(t, "api.ini", pythonPaste)
	code, _, errOut := runCLI(t, "check", "--paste", path)
	if code != 1 || !strings.Contains(errOut, "api.ini:19:24: [filter:context]: no factory is registered for myproj.context:Context.factory") ||
		!strings.Contains(errOut, "; to run it in Python, give --python /usr/bin/python3 (docs/python.md)") {
		t.Errorf("check: exit %d\n%s", code, errOut)
	}
	rest := pythonPaste[strings.Index(pythonPaste, "[filter:request_id]"):]
	inline := writeTemp(t, "inline.ini", "[composite:main]\nuse = call:neutron.auth:pipeline_factory\nkeystone = proxy context apiapp\n"+rest)
	code, out, errOut := runCLI(t, "check", "--paste", inline, "--python", "/usr/bin/python3")
	for _, want := range []string{"no errors", "[composite:main] (2 keys): Go", "[filter:proxy] (1 keys): Go", "[filter:context] (1 keys): Python", "[app:apiapp] (1 keys): Python"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("check --python of an inline pipeline: exit %d, lacks %q:\n%s%s", code, want, out, errOut)
		}
	}
	goOnly := writeTemp(t, "goonly.ini", "[composite:main]\nuse = call:neutron.auth:pipeline_factory\nkeystone = proxy context own apiapp\n[filter:own]\nuse = egg:pasteserve#request_id\n"+rest)
	code, _, errOut = runCLI(t, "check", "--paste", goOnly, "--python", "/usr/bin/python3")
	if code != 1 || !strings.Contains(errOut, "goonly.ini:5:7: [filter:own]: egg:pasteserve#request_id is pasteserve's own reference, which Python's PasteDeploy cannot resolve, but it comes after myproj.context:Context.factory") {
		t.Errorf("check --python of pasteserve's own reference after the split: exit %d\n%s", code, errOut)
	}
}

// [python] executable in a config file turns --python on, as for serve;
// check reports an executable that is not one at the key that names it.
func TestPythonFromConfigFile(t *testing.T) {
	path := writeTemp(t, "api.ini", pythonPaste)
	conf := writeTemp(t, "svc.conf", "[DEFAULT]\napi_paste_config = "+path+"\n[python]\nexecutable = /usr/bin/python3\n")
	code, out, errOut := runCLI(t, "graph", "--config-file", conf, "--format", "expr")
	if code != 0 || !strings.Contains(out, "python[myproj.api:versions_factory]") {
		t.Errorf("graph with [python] executable: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "check", "--config-file", conf)
	if code != 0 || !strings.Contains(out, "[app:apiapp] (1 keys): Python") {
		t.Errorf("check with [python] executable: exit %d\n%s", code, out)
	}
	bad := writeTemp(t, "bad.conf", "[DEFAULT]\napi_paste_config = "+path+"\n[python]\nexecutable = /nonexistent/python3\n")
	code, _, errOut = runCLI(t, "check", "--config-file", bad)
	if code != 1 || !strings.Contains(errOut, "bad.conf:4:1: [python] executable: ") {
		t.Errorf("check with a missing executable: exit %d\n%s", code, errOut)
	}
}
