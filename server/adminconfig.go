package server

import (
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/pasteserve/pasteserve/dsl"
)

// checkAdmin checks admin_bind: HOST:PORT, with a port from 0 to 65535,
// and not the public listener's address and port (the admin paths would
// reach anyone who reaches the API) unless admin_on_public_port says so.
func (c *Settings) checkAdmin() dsl.Diagnostics {
	var ds dsl.Diagnostics
	if c.AdminBind == "" {
		if c.AdminPprof {
			ds.Errorf(c.at("DEFAULT.admin_pprof"), "admin_pprof is set but admin_bind is not: set admin_bind = 127.0.0.1:PORT (or --admin-bind) for the admin listener that serves it")
		}
		return ds
	}
	host, port, err := splitAdminBind(c.AdminBind)
	if err != nil {
		ds.Errorf(c.at("DEFAULT.admin_bind"), "admin_bind %q: %v", c.AdminBind, err)
		return ds
	}
	if c.adminOnPublic(host, port) && c.AdminOnPublicPort && c.Workers > 0 {
		ds.Errorf(c.at("DEFAULT.admin_on_public_port"), "admin_on_public_port does not work with api_workers: the workers serve the public port, and only the master sees all of them. Give admin_bind a port of its own (admin_bind = 127.0.0.1:9697)")
	}
	if c.adminOnPublic(host, port) && !c.AdminOnPublicPort {
		ds.Errorf(c.at("DEFAULT.admin_bind"), "admin_bind %s is the public listener's address and port (bind_host %s, bind_port %d): /metrics, /livez and /readyz would be open to every client of the API. Give the admin listener a port of its own (admin_bind = 127.0.0.1:9697), or set admin_on_public_port = true to serve them on the public listener on purpose",
			c.AdminBind, c.BindHost, c.BindPort)
	}
	return ds
}

// splitAdminBind reads admin_bind's HOST:PORT.
func splitAdminBind(v string) (host string, port int, err error) {
	host, p, err := net.SplitHostPort(v)
	if err != nil {
		return "", 0, errWant("HOST:PORT, [IPv6]:PORT or :PORT, e.g. 127.0.0.1:9697")
	}
	port, err = strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, errWant("a port from 0 (any free port) to 65535")
	}
	return host, port, nil
}

type errWant string

func (e errWant) Error() string { return "want " + string(e) }

// adminOnPublic reports whether host:port (admin_bind's) is the public
// listener's address and port: the same port, not 0 (a free one, which
// is never the other's), on the same host or where either listens on
// every address.
func (c *Settings) adminOnPublic(host string, port int) bool {
	if port == 0 || port != int(c.BindPort) {
		return false
	}
	a, b := listenHostOf(host), listenHostOf(c.BindHost)
	return a.any || b.any || slices.ContainsFunc(a.addrs, func(x netip.Addr) bool { return slices.Contains(b.addrs, x) }) ||
		(a.name != "" && strings.EqualFold(a.name, b.name))
}

// listenHost is a host as adminOnPublic compares it: every address
// (empty, "*", or an unspecified address in any spelling: "0.0.0.0",
// "::", "::0"), the addresses it names (an IP in any spelling, mapped
// IPv4 as IPv4; "localhost" as the loopback addresses it names), or
// else its name. Nothing is looked up: a bind_host that is a name
// other than localhost is compared by name.
type listenHost struct {
	any   bool
	addrs []netip.Addr
	name  string
}

func listenHostOf(h string) listenHost {
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if h == "" || h == "*" {
		return listenHost{any: true}
	}
	if a, err := netip.ParseAddr(h); err == nil {
		a = a.Unmap()
		return listenHost{any: a.IsUnspecified(), addrs: []netip.Addr{a}}
	}
	if strings.EqualFold(strings.TrimSuffix(h, "."), "localhost") {
		return listenHost{addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()}}
	}
	return listenHost{name: h}
}

// adminShared reports whether the admin paths are answered on the public
// listener (admin_on_public_port, with admin_bind its address).
func (c *Settings) adminShared() bool {
	if c.AdminBind == "" {
		return false
	}
	host, port, err := splitAdminBind(c.AdminBind)
	return err == nil && c.adminOnPublic(host, port)
}

// positionedAt places err at option key ("group.name"), with the files
// read for its excerpt.
func (c *Settings) positionedAt(key string, err error) error {
	return &SourceError{Err: dsl.Diagnostics{{Pos: c.at(key), Msg: err.Error()}}, Files: c.files}
}
