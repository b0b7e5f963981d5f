package server

import (
	"net"
	"net/netip"
	"testing"
)

// TestBindListenIPv6 binds an IPv6 bind_host: bindListen read the address
// as IPv4 before it looked at its family, which panicked ("As4 called on
// IPv6 address") for every IPv6 bind_host, "::" and "::1" included.
func TestBindListenIPv6(t *testing.T) {
	if ln, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback on this machine: %v", err)
	} else {
		ln.Close()
	}
	for _, host := range []string{"::1", "::"} {
		ln, err := bindListen(netip.MustParseAddr(host), 0, 16, false)
		if err != nil {
			t.Fatalf("bindListen(%s): %v", host, err)
		}
		addr := ln.Addr().(*net.TCPAddr)
		ln.Close()
		if addr.IP.To4() != nil || addr.Port == 0 {
			t.Errorf("bindListen(%s) listens on %s, want an IPv6 address and a port", host, addr)
		}
	}
}
