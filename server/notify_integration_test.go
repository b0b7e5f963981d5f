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

// notification is one sd_notify message and the pid that sent it.
type notification struct {
	msg string
	pid int
}

// notifySocket listens on a datagram socket as systemd does, with
// SO_PASSCRED so that each message comes with its sender's pid, and
// returns its path and the messages it receives until the test ends.
func notifySocket(t *testing.T) (string, <-chan notification) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	rc, err := conn.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_PASSCRED, 1)
	}); err != nil || serr != nil {
		t.Fatal(err, serr)
	}
	ch := make(chan notification, 1000)
	go func() {
		buf := make([]byte, 4096)
		oob := make([]byte, syscall.CmsgSpace(syscall.SizeofUcred))
		for {
			n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
			if err != nil {
				return
			}
			pid := 0
			if msgs, err := syscall.ParseSocketControlMessage(oob[:oobn]); err == nil {
				for i := range msgs {
					if cred, err := syscall.ParseUnixCredentials(&msgs[i]); err == nil {
						pid = int(cred.Pid)
					}
				}
			}
			select {
			case ch <- notification{strings.TrimSpace(string(buf[:n])), pid}:
			default: // a test reads far fewer
			}
		}
	}()
	return sock, ch
}

// collect reads notifications until stop says so or none comes for
// quiet; at most limit in all.
func collect(ch <-chan notification, quiet time.Duration, limit int, stop func([]notification) bool) []notification {
	var got []notification
	for len(got) < limit && (stop == nil || !stop(got)) {
		select {
		case n := <-ch:
			got = append(got, n)
		case <-time.After(quiet):
			return got
		}
	}
	return got
}

func count(ns []notification, msg string) int {
	c := 0
	for _, n := range ns {
		if n.msg == msg {
			c++
		}
	}
	return c
}

// TestSystemdWatchdog checks that WATCHDOG=1 is sent regularly when
// systemd asks for it (WATCHDOG_USEC, for this pid if WATCHDOG_PID is
// set), and never otherwise.
func TestSystemdWatchdog(t *testing.T) {
	for _, c := range []struct {
		name, usec, pid string
		pings           bool
	}{
		{"asked", "200000", "", true},
		{"not asked", "", "", false},
		{"asked of another pid", "200000", "1", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			sock, ch := notifySocket(t)
			t.Setenv("NOTIFY_SOCKET", sock)
			t.Setenv("WATCHDOG_USEC", c.usec)
			t.Setenv("WATCHDOG_PID", c.pid)
			p := start(t, map[string]string{"api.ini": urlmap + apps + local})
			var got []notification
			if c.pings {
				// Every 0.1 s: three within 20 s is generous.
				got = collect(ch, 20*time.Second, 100, func(ns []notification) bool { return count(ns, "WATCHDOG=1") >= 3 })
				if count(got, "WATCHDOG=1") < 3 {
					t.Errorf("WATCHDOG_USEC=%s: got %v, want READY=1 and three WATCHDOG=1\n%s", c.usec, got, p.eventsText())
				}
			} else {
				// Ten times the ping interval of the case above.
				got = collect(ch, time.Second, 100, nil)
				if count(got, "WATCHDOG=1") != 0 {
					t.Errorf("WATCHDOG_USEC=%q WATCHDOG_PID=%q: got %v, want no WATCHDOG=1", c.usec, c.pid, got)
				}
			}
			if len(got) == 0 || got[0].msg != "READY=1" {
				t.Errorf("got %v, want READY=1 first", got)
			}
			for _, n := range got {
				if n.pid != p.cmd.Process.Pid {
					t.Errorf("%q sent by pid %d, not by pasteserve (%d)", n.msg, n.pid, p.cmd.Process.Pid)
				}
			}
			p.signal(syscall.SIGTERM)
			if err := p.wait(20 * time.Second); err != nil {
				t.Errorf("exit: %v", err)
			}
		})
	}
}

// TestSystemdNotifyWorkers checks that in worker mode systemd hears from
// the master alone, as NotifyAccess=main expects: READY=1 once, the
// watchdog pings, RELOADING=1 and READY=1 around a rolling reload (the
// drained workers say nothing), STOPPING=1 on SIGTERM.
func TestSystemdNotifyWorkers(t *testing.T) {
	sock, ch := notifySocket(t)
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "200000")
	t.Setenv("WATCHDOG_PID", "")
	p := start(t, map[string]string{"api.ini": urlmap + apps + local}, "--workers", "2")
	master := p.cmd.Process.Pid
	got := collect(ch, 20*time.Second, 200, func(ns []notification) bool { return count(ns, "WATCHDOG=1") >= 3 })
	old := allWorkers(t, p.url("/"), 2)
	p.signal(syscall.SIGHUP)
	if err := p.waitFor("reloaded: every worker replaced", 60*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, p.eventsText())
	}
	// The replaced workers drain and exit: whatever they sent is queued.
	deadline := time.Now().Add(30 * time.Second)
	for pid := range old {
		for syscall.Kill(pid, 0) == nil && !isZombie(pid) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	p.signal(syscall.SIGTERM)
	if err := p.wait(20 * time.Second); err != nil {
		t.Errorf("exit: %v\n%s", err, p.eventsText())
	}
	got = append(got, collect(ch, time.Second, 200, nil)...)

	var states []string
	for _, n := range got {
		if n.pid != master {
			t.Errorf("%q sent by pid %d, not by the master (%d)", n.msg, n.pid, master)
		}
		if n.msg != "WATCHDOG=1" {
			states = append(states, strings.SplitN(n.msg, "\n", 2)[0])
		}
	}
	if want := "READY=1 RELOADING=1 READY=1 STOPPING=1"; strings.Join(states, " ") != want {
		t.Errorf("notifications %q, want %s", states, want)
	}
	if count(got, "WATCHDOG=1") < 3 {
		t.Errorf("%d WATCHDOG=1, want at least 3", count(got, "WATCHDOG=1"))
	}
}
