package fleet

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFleetDocMatchesConfig keeps docs/fleet.md and the test's HAProxy
// configuration saying the same: the doc's configuration has the
// test's check and retry settings, and HAProxy accepts it as it is
// (haproxy -c, which binds nothing).
func TestFleetDocMatchesConfig(t *testing.T) {
	doc, err := os.ReadFile("../../docs/fleet.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "### HAProxy's configuration\n\n```\n")
	block, _, ok2 := strings.Cut(rest, "```\n")
	if !ok || !ok2 {
		t.Fatal("docs/fleet.md has no HAProxy configuration block under \"### HAProxy's configuration\"")
	}
	lines := map[string]bool{}
	for _, line := range strings.Split(block, "\n") {
		lines[strings.TrimSpace(line)] = true
	}
	for _, want := range strings.Split(retrySettings, "\n") {
		if !lines[strings.TrimSpace(want)] {
			t.Errorf("docs/fleet.md's configuration lacks %q, which the test uses", strings.TrimSpace(want))
		}
	}
	servers := 0
	for line := range lines {
		if strings.HasPrefix(line, "server ") {
			servers++
			if !strings.Contains(line, " "+checkSettings+" ") {
				t.Errorf("docs/fleet.md: %q does not have the test's %q", line, checkSettings)
			}
		}
	}
	if servers == 0 {
		t.Error("docs/fleet.md's configuration has no server line")
	}
	for _, want := range []string{"option httpchk", "http-check expect status 200"} {
		if !lines[want] {
			t.Errorf("docs/fleet.md's configuration lacks %q", want)
		}
	}

	skipUnlessFile(t, haproxyBin, "haproxy", "that HAProxy accepts docs/fleet.md's configuration")
	cfg := filepath.Join(t.TempDir(), "haproxy.cfg")
	writeFile(t, cfg, block)
	if out, err := exec.Command(haproxyBin, "-c", "-f", cfg).CombinedOutput(); err != nil {
		t.Errorf("haproxy -c on docs/fleet.md's configuration: %v\n%s", err, out)
	}
}
