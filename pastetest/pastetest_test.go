package pastetest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/pasteserve/pasteserve/builtin"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/pastetest"
)

// The README's example file, kept as a golden plan: this is all a team
// needs to write for its own files.
func TestExampleGolden(t *testing.T) {
	pastetest.Golden(t, "../testdata/paste/example.ini", "main")
}

// neutron's own router and extension middleware have no Go factory: the
// plan records them as unregistered, on purpose.
func TestGoldenWithGlobal(t *testing.T) {
	pastetest.Golden(t, "testdata/neutron-api-paste.ini", "neutron",
		pastetest.WithGlobal(map[string]string{"auth_strategy": "noauth"}), pastetest.AllowUnregistered())
}

// A golden file that does not match must fail the test: run Golden
// against a deliberately wrong golden file in a sub-test recorder.
func TestGoldenDetectsChange(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "api.ini")
	if err := os.WriteFile(path, []byte("[app:main]\nuse = egg:X#a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".main.graph.golden", []byte("[app:main] app egg:X#b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{TB: t}
	pastetest.Golden(rec, path, "main", pastetest.AllowUnregistered())
	if !rec.failed || !strings.Contains(rec.msg, "differs") || !strings.Contains(rec.msg, "egg:X#a") {
		t.Errorf("Golden did not report the changed plan (failed=%v):\n%s", rec.failed, rec.msg)
	}
	got := string(pastetest.Plan(path, "main", factory.Default, nil))
	if got != "[app:main] app egg:X#a (unregistered)  api.ini:1:1\n" {
		t.Errorf("Plan = %q", got)
	}
}

// recorder captures failures instead of failing the real test.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.failed = true
	r.msg += sprintf(format, args...)
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = true
	r.msg += sprintf(format, args...)
}

// A plan with a factory nobody registered fails, names it with its
// position, and writes no golden file, even when updating: that file
// would record "(unregistered)" and pass ever after.
func TestGoldenRefusesUnregistered(t *testing.T) {
	t.Setenv("PASTETEST_UPDATE", "1")
	dir := t.TempDir()
	path := filepath.Join(dir, "api.ini")
	if err := os.WriteFile(path, []byte("[pipeline:main]\npipeline = f echo\n[filter:f]\nuse = egg:X#f\n[app:echo]\nuse = egg:pasteserve#echo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{TB: t}
	pastetest.Golden(rec, path, "main")
	for _, want := range []string{path + ":4:7: filter egg:X#f (no built-in factory", "pastetest.AllowUnregistered()"} {
		if !rec.failed || !strings.Contains(rec.msg, want) {
			t.Errorf("Golden with an unregistered filter: failed=%v, message lacks %q:\n%s", rec.failed, want, rec.msg)
		}
	}
	if strings.Contains(rec.msg, "egg:pasteserve#echo") {
		t.Errorf("the registered app is listed too:\n%s", rec.msg)
	}
	if _, err := os.Stat(path + ".main.graph.golden"); err == nil {
		t.Errorf("a golden file was written")
	}
	// Opted in, the plan is recorded.
	rec = &recorder{TB: t}
	pastetest.Golden(rec, path, "main", pastetest.AllowUnregistered())
	b, err := os.ReadFile(path + ".main.graph.golden")
	if rec.failed || err != nil || !strings.Contains(string(b), "egg:X#f (unregistered)") {
		t.Errorf("with AllowUnregistered: failed=%v %s, golden %v:\n%s", rec.failed, rec.msg, err, b)
	}
}
