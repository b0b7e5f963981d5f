package server_test

import (
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSystemdNotify runs the server with NOTIFY_SOCKET pointing at a
// datagram socket of the test's and checks READY=1, RELOADING=1 and
// STOPPING=1 arrive in order.
func TestSystemdNotify(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	t.Setenv("NOTIFY_SOCKET", sock)
	p := start(t, map[string]string{"api.ini": urlmap + apps + local})
	read := func() string {
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 512)
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("reading sd_notify: %v\n%s", err, p.logText())
		}
		return strings.TrimSpace(string(buf[:n]))
	}
	if got := read(); got != "READY=1" {
		t.Errorf("first notification %q, want READY=1", got)
	}
	p.signal(syscall.SIGHUP)
	if got := read(); !strings.HasPrefix(got, "RELOADING=1") {
		t.Errorf("on SIGHUP: %q, want RELOADING=1", got)
	}
	if got := read(); got != "READY=1" {
		t.Errorf("after reload: %q, want READY=1", got)
	}
	p.signal(syscall.SIGTERM)
	if got := read(); got != "STOPPING=1" {
		t.Errorf("on SIGTERM: %q, want STOPPING=1", got)
	}
	p.wait(10 * time.Second)
}
