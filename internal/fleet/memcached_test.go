package fleet

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// memcachedBin is Debian's memcached (package memcached).
const memcachedBin = "/usr/bin/memcached"

// memcached is a running memcached on 127.0.0.1.
type memcached struct {
	*process
	addr string
}

// startMemcached runs memcached on a free port of 127.0.0.1, TCP only,
// with its output in logs, and waits until it accepts.
func startMemcached(t testing.TB, logs string) *memcached {
	t.Helper()
	port := freePort(t)
	argv := []string{memcachedBin, "-l", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "0", "-m", "64", "-t", "2"}
	if os.Geteuid() == 0 {
		argv = append(argv, "-u", "root") // memcached refuses to run as root unless told
	}
	m := &memcached{process: run(t, logs, "memcached", argv...), addr: fmt.Sprintf("127.0.0.1:%d", port)}
	waitDial(t, m.process, m.addr, 20*time.Second)
	return m
}

// stats returns memcached's general statistics (the stats command).
func (m *memcached) stats() (map[string]int64, error) {
	c, err := net.DialTimeout("tcp", m.addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("stats\r\n")); err != nil {
		return nil, err
	}
	out := map[string]int64{}
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 1 && f[0] == "END" {
			return out, nil
		}
		if len(f) == 3 && f[0] == "STAT" {
			if n, err := strconv.ParseInt(f[2], 10, 64); err == nil {
				out[f[1]] = n
			}
		}
	}
	return nil, fmt.Errorf("memcached stats: no END: %v", sc.Err())
}
