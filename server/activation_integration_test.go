package server_test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSocketActivation passes a listening socket the way systemd does
// (fd 3, LISTEN_FDS=1, LISTEN_PID) and checks that pasteserve serves on it
// rather than on bind_host:bind_port.
func TestSocketActivation(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	dir := t.TempDir()
	paste := filepath.Join(dir, "api.ini")
	// bind_port 1 would need root: serving at all shows the passed socket was used.
	os.WriteFile(paste, []byte(urlmap+apps+"\n[server:main]\nuse = egg:pasteserve#http\nbind_host = 127.0.0.1\nbind_port = 1\nretry_until_window = 0\n"), 0o644)
	// sh's $$ becomes pasteserve's pid through exec, as LISTEN_PID must be.
	cmd := exec.Command("sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" --paste "$1" --log-format json`, testbin, paste)
	cmd.ExtraFiles = []*os.File{f}
	var log strings.Builder
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	url := "http://" + ln.Addr().String() + "/"
	var body string
	for i := 0; i < 100; i++ {
		if resp, err := client.Get(url); err == nil {
			b := make([]byte, 64)
			n, _ := resp.Body.Read(b)
			resp.Body.Close()
			body = string(b[:n])
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.HasPrefix(body, "hello ") {
		t.Errorf("no answer on the passed socket (%q); log:\n%s", body, log.String())
	}
}
