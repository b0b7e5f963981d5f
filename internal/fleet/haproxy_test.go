package fleet

import (
	"encoding/csv"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// haproxyBin is Debian's HAProxy (package haproxy).
const haproxyBin = "/usr/sbin/haproxy"

// backendServer is one instance as HAProxy knows it: its name, the
// address it forwards requests to, and the port its health check asks.
type backendServer struct {
	name      string
	addr      string // 127.0.0.1:PORT, the public listener
	checkPort int    // the port /readyz (or /healthcheck) answers on
}

// haproxy is a running HAProxy and what the test reads from it: its
// runtime API (the stats socket) and its log, one line a request.
type haproxy struct {
	*process
	addr   string // the frontend, 127.0.0.1:PORT
	socket string // the stats socket, level admin
}

// The settings a lossless rolling restart needs, explained in
// docs/fleet.md. They are constants so that the doc and the test say
// the same: TestFleetDocMatchesConfig checks that the doc quotes them.
const (
	// checkSettings: a check every 200 ms; down after 2 failed ones,
	// up after 2 good ones.
	checkSettings = "check inter 200ms fall 2 rise 2"
	// retrySettings: a connection that fails (refused: the instance has
	// closed its listener) is tried again, up to 3 times, each time on
	// another server; nothing else is retried.
	retrySettings = "retries 3\n    option redispatch 1\n    retry-on conn-failure"
)

// haproxyConfig is the configuration of a frontend on listen and one
// backend of servers, checked with checkPath on each server's
// checkPort. Every log line of a request starts with "req ".
func haproxyConfig(dir, listen, checkPath string, servers []backendServer) string {
	var b strings.Builder
	// One thread: HAProxy's threads take turns at the log's descriptor
	// and give a line up (DroppedLogs) when another holds it for too
	// long, and the test counts the lines (a run with two threads on a
	// loaded machine logged 4476 of 4477 requests).
	fmt.Fprintf(&b, `global
    nbthread 1
    log stdout format raw local0 info
    maxconn 2000
    stats socket %s mode 600 level admin

defaults
    mode http
    log global
    log-format "req %%tr %%ci:%%cp %%b %%s %%ST %%ts %%rc %%HM %%HU"
    option dontlognull
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 60s
    timeout queue 10s
    %s

frontend api
    bind %s
    default_backend pasteserve

backend pasteserve
    balance roundrobin
    option httpchk
    option log-health-checks
    http-check send meth GET uri %s ver HTTP/1.1 hdr Host haproxy-check
    http-check expect status 200
`, filepath.Join(dir, "admin.sock"), retrySettings, listen, checkPath)
	for _, s := range servers {
		fmt.Fprintf(&b, "    server %s %s %s port %d\n", s.name, s.addr, checkSettings, s.checkPort)
	}
	return b.String()
}

// startHAProxy checks and runs HAProxy in the foreground (-db, so that
// its log goes to stdout, into logs/haproxy.log), with its configuration
// and stats socket in dir, and waits until its frontend accepts.
func startHAProxy(t testing.TB, dir, logs, checkPath string, servers []backendServer) *haproxy {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cfg := filepath.Join(dir, "haproxy.cfg")
	writeFile(t, cfg, haproxyConfig(dir, addr, checkPath, servers))
	if out, err := exec.Command(haproxyBin, "-c", "-f", cfg).CombinedOutput(); err != nil {
		t.Fatalf("haproxy -c: %v\n%s", err, out)
	}
	h := &haproxy{process: run(t, logs, "haproxy", haproxyBin, "-db", "-f", cfg), addr: addr, socket: filepath.Join(dir, "admin.sock")}
	waitDial(t, h.process, addr, 20*time.Second)
	return h
}

// command sends one command to HAProxy's runtime API and returns its
// answer.
func (h *haproxy) command(cmd string) (string, error) {
	c, err := net.DialTimeout("unix", h.socket, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, cmd+"\n"); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	return string(b), err
}

// states returns each server's status in HAProxy's eyes ("UP", "DOWN",
// "DOWN 1/2" while rising...), from show stat.
func (h *haproxy) states() (map[string]string, error) {
	return h.stat("status")
}

// stat returns a column of show stat for each server of the backend.
func (h *haproxy) stat(column string) (map[string]string, error) {
	out, err := h.command("show stat")
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "# ")))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil || len(rows) < 2 {
		return nil, fmt.Errorf("show stat: %v: %q", err, out)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	c, ok := col[column]
	if !ok {
		return nil, fmt.Errorf("show stat has no column %q", column)
	}
	values := map[string]string{}
	for _, row := range rows[1:] {
		if len(row) > c && row[col["pxname"]] == "pasteserve" && row[col["svname"]] != "BACKEND" {
			values[row[col["svname"]]] = row[c]
		}
	}
	return values, nil
}

// waitState waits, at most timeout, until HAProxy says server is in
// state ("UP" or "DOWN"); it fails t otherwise.
func (h *haproxy) waitState(t testing.TB, server, state string, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var last map[string]string
	for deadline := start.Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		states, err := h.states()
		if err == nil && states[server] == state {
			return time.Since(start)
		}
		last = states
		if h.exited() {
			t.Fatalf("haproxy exited: %v\n%s", h.waitErr, h.tail(30))
		}
		if time.Now().After(deadline) {
			t.Fatalf("HAProxy does not see %s %s within %s (states %v, %v)\n%s", server, state, timeout, last, err, h.tail(30))
		}
	}
}

// haproxyRequest is one line of HAProxy's request log.
type haproxyRequest struct {
	server      string // the server that answered, <NOSRV> for none
	status      int    // the status HAProxy sent the client; -1: none
	termination string // the session's termination state, "--" when normal
	retries     int    // connection retries
	redispatch  bool   // the last retry went to another server
	method, uri string
}

// requests parses HAProxy's request log so far.
func (h *haproxy) requests() []haproxyRequest {
	var out []haproxyRequest
	for _, line := range h.output() {
		f := strings.Fields(line)
		if len(f) != 10 || f[0] != "req" {
			continue
		}
		r := haproxyRequest{server: f[4], termination: f[6], method: f[8], uri: f[9]}
		r.status, _ = strconv.Atoi(f[5])
		r.redispatch = strings.HasPrefix(f[7], "+")
		r.retries, _ = strconv.Atoi(strings.TrimPrefix(f[7], "+"))
		out = append(out, r)
	}
	return out
}

// info returns a field of show info, such as DroppedLogs.
func (h *haproxy) info(field string) (string, error) {
	out, err := h.command("show info")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok && k == field {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("show info has no %s", field)
}
