package pasteservecmd

import (
	"strings"
	"testing"
)

// checkWants runs check with args and wants exit status code and every
// string of want in its stderr, in order.
func checkWants(t *testing.T, code int, want []string, args ...string) (stdout, stderr string) {
	t.Helper()
	got, out, errOut := runCLI(t, append([]string{"check"}, args...)...)
	if got != code {
		t.Errorf("check %q: exit %d, want %d; stdout:\n%s\nstderr:\n%s", args, got, code, out, errOut)
	}
	last := -1
	for _, w := range want {
		i := strings.Index(errOut, w)
		switch {
		case i < 0:
			t.Errorf("check %q: stderr lacks %q:\n%s", args, w, errOut)
		case i < last:
			t.Errorf("check %q: %q is out of order:\n%s", args, w, errOut)
		default:
			last = i
		}
	}
	return out, errOut
}

// A file with apps but no main: serve without --name stops at it, so
// check without --name fails too, naming the apps to give --name; it
// still checks each of them (here bar's missing filter). With --name,
// check checks that app, as serve --name serves it. check once passed
// such a file ("1 app(s) resolved (foo), no errors").
func TestCheckFileWithoutMain(t *testing.T) {
	path := writeTemp(t, "api.ini", "[app:foo]\nuse = egg:pasteserve#echo\n")
	checkWants(t, 1, []string{
		path + `: no app named "main" in api.ini`,
		`; it has [app:foo]; serve without --name serves main, so it stops here: serve it with --name foo (check has checked that app)`,
		path + ": 1 error(s), 0 warning(s)",
	}, "--paste", path)
	if code, _, errOut := runCLI(t, "serve", "--paste", path, "--log-format", "json"); code != 1 || !strings.Contains(errOut, path+`: no app named "main" in api.ini`) {
		t.Errorf("serve without --name: exit %d\n%s", code, errOut)
	}
	if code, out, errOut := runCLI(t, "check", "--paste", path, "--name", "foo"); code != 0 || !strings.Contains(out, "1 app(s) resolved (foo), no errors, 0 warning(s)") {
		t.Errorf("--name foo: exit %d\n%s%s", code, out, errOut)
	}

	// Two apps no other section uses; the second has an error of its
	// own, found in the same run. echo2 is reached from bar: it is no
	// candidate.
	path = writeTemp(t, "api.ini", "[app:foo]\nuse = egg:pasteserve#echo\n\n[pipeline:bar]\npipeline = nosuch echo2\n\n[app:echo2]\nuse = egg:pasteserve#echo\n")
	checkWants(t, 1, []string{
		path + `: no app named "main" in api.ini`,
		"serve it with --name foo or --name bar (check has checked each of them)",
		path + `:5:12: no filter named "nosuch" in api.ini`,
		path + ": 2 error(s), 0 warning(s)",
	}, "--paste", path)
	checkWants(t, 1, []string{path + `:5:12: no filter named "nosuch"`, path + ": 1 error(s)"}, "--paste", path, "--name", "bar")
	if _, errOut := checkWants(t, 0, nil, "--paste", path, "--name", "foo"); strings.Contains(errOut, "nosuch") {
		t.Errorf("--name foo checks bar:\n%s", errOut)
	}
}

// check asks the loader which sections answer to main: a bare
// [pipeline] does (as a bare [app] does), so check checks it, as serve
// serves it. check's own copy of the rule knew only a bare [app], found
// no main, checked [app:foo] alone and passed a file serve refuses.
func TestCheckBareSectionIsMain(t *testing.T) {
	path := writeTemp(t, "api.ini", "[pipeline]\npipeline = nosuch foo\n\n[app:foo]\nuse = egg:pasteserve#echo\n")
	checkWants(t, 1, []string{path + `:2:12: no filter named "nosuch" in api.ini`, path + ": 1 error(s), 0 warning(s)"}, "--paste", path)
	if code, _, errOut := runCLI(t, "serve", "--paste", path, "--log-format", "json"); code != 1 || !strings.Contains(errOut, path+`:2:12: no filter named "nosuch"`) {
		t.Errorf("serve: exit %d\n%s", code, errOut)
	}
}

// One check shows every mistake: each missing pipeline item, a bad
// %(...)s in each of three sections, and the option errors of the
// parts that did resolve (which only the build finds). Resolution
// once stopped at its first error, and the build then never ran.
func TestCheckReportsEveryResolutionError(t *testing.T) {
	path := writeTemp(t, "api.ini", "[pipeline:main]\npipeline = a b echo\n\n[app:echo]\nuse = egg:pasteserve#echo\n")
	checkWants(t, 1, []string{
		path + `:2:12: no filter named "a" in api.ini`,
		path + `:2:14: no filter named "b" in api.ini`,
		path + ": 2 error(s), 0 warning(s)",
	}, "--paste", path)

	path = writeTemp(t, "api.ini", "[pipeline:main]\npipeline = a b echo\n\n"+
		"[filter:a]\nuse = egg:pasteserve#request_id\nx = %(nope1)s\n\n"+
		"[filter:b]\nuse = egg:pasteserve#request_id\ny = %(nope2)s\n\n"+
		"[app:echo]\nuse = egg:pasteserve#echo\nz = %(nope3)s\n")
	checkWants(t, 1, []string{
		path + `:6:1: "x" refers to %(nope1)s, which is not defined`,
		path + `:10:1: "y" refers to %(nope2)s, which is not defined`,
		path + `:14:1: "z" refers to %(nope3)s, which is not defined`,
		path + ": 3 error(s), 0 warning(s)",
	}, "--paste", path)

	// A missing filter, a broken composite child, and what did resolve
	// built: cors's max_age, twice used, reported once.
	path = writeTemp(t, "api.ini", "[composite:main]\nuse = egg:Paste#urlmap\n/ = api\n/v2 = nowhere\n\n"+
		"[pipeline:api]\npipeline = cors nosuch echo\n\n"+
		"[filter:cors]\nuse = egg:oslo.middleware#cors\nallowed_origin = https://dash.example.com\nmax_age = soon\n\n"+
		"[app:echo]\nuse = egg:pasteserve#echo\n")
	checkWants(t, 1, []string{
		path + `:4:1: no app named "nowhere" in api.ini`,
		path + `:7:17: no filter named "nosuch" in api.ini`,
		path + `:12:1: [filter:cors] max_age: "soon" is not a whole number`,
		path + ": 3 error(s), 0 warning(s)",
	}, "--paste", path)
	// serve stops at the same file, with the resolution errors.
	code, _, errOut := runCLI(t, "serve", "--paste", path, "--log-format", "json")
	if code != 1 || !strings.Contains(errOut, path+`:4:1: no app named "nowhere"`) || !strings.Contains(errOut, path+`:7:17: no filter named "nosuch"`) {
		t.Errorf("serve: exit %d\n%s", code, errOut)
	}
}

// An indented line under use continues use's value (configparser's
// rule): the reference becomes two lines and the key is lost. It is an
// error at the continuation line that says so, and no output quotes the
// secret the line holds. check used to warn (an unregistered reference)
// and pass; graph printed the secret inside the reference.
func TestCheckFactoryReferenceContinued(t *testing.T) {
	path := writeTemp(t, "api.ini", "[app:main]\nuse = egg:pasteserve#echo\n admin_password = CONTPW\n")
	_, errOut := checkWants(t, 1, []string{
		path + ":3:2: [app:main] use: line 3 is indented, so it continues the value of use above it (configparser's rule) and the factory reference spans 2 lines; unindent it to make it a key of its own",
		"    3 |  admin_password = ****\n      |  ^\n",
		path + ": 1 error(s), 0 warning(s)",
	}, "--paste", path)
	if strings.Contains(errOut, "CONTPW") {
		t.Errorf("check prints the secret:\n%s", errOut)
	}
	// --allow-unregistered does not hide it: the reference is not
	// unregistered, it is malformed.
	checkWants(t, 1, []string{path + ":3:2: [app:main] use: line 3 is indented"}, "--paste", path, "--allow-unregistered")
	for _, format := range []string{"text", "json", "expr"} {
		code, out, errOut := runCLI(t, "graph", "--paste", path, "--format", format)
		if code != 1 || !strings.Contains(errOut, path+":3:2: [app:main] use: line 3 is indented") || strings.Contains(out+errOut, "CONTPW") {
			t.Errorf("graph --format %s: exit %d\n%s%s", format, code, out, errOut)
		}
	}
	// The explicit form, paste.app_factory = module:attr.
	path = writeTemp(t, "api.ini", "[app:main]\npaste.app_factory = myapp:factory\n    password = CONTPW\n")
	checkWants(t, 1, []string{path + ":3:5: [app:main] paste.app_factory: line 3 is indented"}, "--paste", path, "--allow-unregistered")
}

// bind_host that does not resolve: serve stops at it when it binds,
// now at the key that set it; check warns there, since the look-up at
// check time is this machine's, not the server's (docs/cli.md). .invalid
// never resolves (RFC 6761).
func TestCheckBindHostDoesNotResolve(t *testing.T) {
	path := writeTemp(t, "api.ini", "[app:main]\nuse = egg:pasteserve#echo\n\n[server:main]\nuse = egg:pasteserve#http\nbind_host = no.such.host.invalid\nbind_port = 0\n")
	out, _ := checkWants(t, 0, []string{
		path + `:6:1: warning: bind_host "no.such.host.invalid": cannot resolve: `,
		"; serve looks it up again when it starts, and stops if it cannot resolve it then\n    6 | bind_host = no.such.host.invalid\n      | ^\n",
	}, "--paste", path)
	if !strings.Contains(out, "no errors, 1 warning(s)") {
		t.Errorf("stdout:\n%s", out)
	}
	// serve, in one process and as the master of workers (which fails
	// before it starts any).
	for _, workers := range []string{"0", "2"} {
		code, _, errOut := runCLI(t, "serve", "--paste", path, "--workers", workers, "--log-format", "json")
		want := path + `:6:1: bind_host "no.such.host.invalid": cannot resolve: `
		if code != 1 || !strings.Contains(errOut, want) || !strings.Contains(errOut, "    6 | bind_host = no.such.host.invalid\n") {
			t.Errorf("serve --workers %s: exit %d, want 1 with %q and its excerpt:\n%s", workers, code, want, errOut)
		}
	}
	// Set by a flag, the error names the flag.
	code, _, errOut := runCLI(t, "serve", "--paste", path, "--bind", "other.host.invalid:0", "--log-format", "json")
	if code != 1 || !strings.Contains(errOut, `flag --bind: bind_host "other.host.invalid": cannot resolve`) {
		t.Errorf("serve --bind: exit %d\n%s", code, errOut)
	}
	// An address is not looked up.
	path = writeTemp(t, "api.ini", "[app:main]\nuse = egg:pasteserve#echo\n\n[server:main]\nuse = egg:pasteserve#http\nbind_host = 127.0.0.1\n")
	checkWants(t, 0, nil, "--paste", path)
}

// --name given as the same value as its default (main) still counts as
// given: check then reports only what serve --name main would.
func TestCheckNameGivenAsDefault(t *testing.T) {
	path := writeTemp(t, "api.ini", "[app:foo]\nuse = egg:pasteserve#echo\n")
	for _, args := range [][]string{{"--name", "main"}, {"--name=main"}, {"-name", "main"}} {
		code, _, errOut := runCLI(t, append([]string{"check", "--paste", path}, args...)...)
		if code != 1 || !strings.Contains(errOut, `no app named "main"`) || strings.Contains(errOut, "--name foo") {
			t.Errorf("%q: exit %d, want 1 with serve's error and no suggestion of --name; stderr:\n%s", args, code, errOut)
		}
	}
}
