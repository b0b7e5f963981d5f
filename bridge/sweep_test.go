package bridge

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The helper process of TestNewClientSweepsDeadOwners: a Client made in
// BRIDGE_TEST_CLIENT_PARENT, its directory on stdout, and a spec file in
// it (which holds a pool's key), then nothing until it is killed.
func TestHelperClient(t *testing.T) {
	parent := os.Getenv("BRIDGE_TEST_CLIENT_PARENT")
	if parent == "" {
		t.Skip("the helper process of TestNewClientSweepsDeadOwners")
	}
	c, err := NewClient(parent)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.dir, "spec.json"), []byte(`{"key":"secret"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	fmt.Println("dir=" + c.dir)
	time.Sleep(60 * time.Second) // killed long before
}

// helperClient runs TestHelperClient with parent, and returns it and
// its Client's directory once it has one.
func helperClient(t *testing.T, parent string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperClient$")
	cmd.Env = append(os.Environ(), "BRIDGE_TEST_CLIENT_PARENT="+parent)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "dir="); ok {
				found <- d
				break
			}
		}
		close(found)
	}()
	select {
	case d, ok := <-found:
		if !ok {
			t.Fatal("the helper ended without a directory")
		}
		return cmd, d
	case <-time.After(30 * time.Second):
		t.Fatal("the helper made no directory within 30 s")
	}
	return nil, ""
}

// A process killed with SIGKILL leaves its pool's directory (and in it,
// maybe, the spec file with the key): the next NewClient in the same
// parent removes it, since its owner's lock is free, and leaves alone
// the directory of a live owner, and one without an owner lock (an
// older pasteserve's, or one being made).
func TestNewClientSweepsDeadOwners(t *testing.T) {
	parent := t.TempDir()
	dead, deadDir := helperClient(t, parent)
	_, liveDir := helperClient(t, parent)
	legacy := filepath.Join(parent, "pasteserve-python-legacy")
	if err := os.Mkdir(legacy, 0o700); err != nil {
		t.Fatal(err)
	}
	dead.Process.Signal(syscall.SIGKILL)
	dead.Wait()
	if _, err := os.Stat(filepath.Join(deadDir, "spec.json")); err != nil {
		t.Fatalf("the killed helper's spec file: %v", err)
	}

	c, err := NewClient(parent)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.release() })
	if _, err := os.Stat(deadDir); !os.IsNotExist(err) {
		t.Errorf("the directory of a killed owner, %s, is left after NewClient: %v", deadDir, err)
	}
	for _, d := range []string{liveDir, legacy, c.dir} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("NewClient removed %s: %v", d, err)
		}
	}
	// A second Client of this process: its own live directory stays.
	c2, err := NewClient(parent)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c2.release() })
	if _, err := os.Stat(c.dir); err != nil {
		t.Errorf("a second NewClient removed the first's directory: %v", err)
	}
}
