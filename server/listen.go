package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"

	"github.com/coreos/go-systemd/v22/activation"
	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"
)

// listen opens the listening socket the way neutron's _get_socket does,
// with its pain points fixed: the host is resolved and its first address
// used; "::" accepts IPv4 too unless ipv6_only; SO_REUSEADDR, never
// SO_REUSEPORT (a second server on the port is an error, not a silent
// stranger sharing it); the configured backlog; on EADDRINUSE, retry every
// 0.1 s until retry_until_window has passed. Accepted connections get TCP
// keepalive after tcp_keepidle.
//
// The retry is logged once when it begins, with the time it ends, and
// once when it ends: the window (30 s by default) is otherwise a silence
// in which nothing says why the server does not answer.
//
// When systemd passes a socket (LISTEN_FDS), that socket is used instead.
func listen(ctx context.Context, o Options, log zerolog.Logger) (net.Listener, error) {
	if ls, err := activation.Listeners(); err == nil && len(ls) > 0 && ls[0] != nil {
		for _, extra := range ls[1:] {
			if extra != nil {
				extra.Close()
			}
		}
		return keepAliveListener{ls[0], o.TCPKeepIdle}, nil
	}
	addr, err := resolve(ctx, o.BindHost)
	if err != nil {
		return nil, err
	}
	hostPort := net.JoinHostPort(addr.String(), strconv.Itoa(int(o.BindPort)))
	began := time.Now()
	deadline := began.Add(o.RetryUntilWindow)
	retrying := false
	for {
		ln, err := bindListen(addr, int(o.BindPort), o.Backlog, o.V6Only)
		if err == nil {
			if retrying {
				log.Info().Str("address", hostPort).Float64("waited_seconds", time.Since(began).Round(time.Millisecond).Seconds()).
					Msg("address free; bound after retrying")
			}
			return keepAliveListener{ln, o.TCPKeepIdle}, nil
		}
		if !errors.Is(err, unix.EADDRINUSE) {
			return nil, fmt.Errorf("listen on %s: %w", hostPort, err)
		}
		if time.Now().After(deadline) {
			if retrying {
				log.Error().Str("address", hostPort).Float64("waited_seconds", time.Since(began).Round(time.Millisecond).Seconds()).
					Msg("address still in use; giving up")
			}
			return nil, fmt.Errorf("could not bind to %s after trying for %s: address already in use (is another server running? retry_until_window sets how long to wait)",
				hostPort, o.RetryUntilWindow)
		}
		if !retrying {
			retrying = true
			log.Warn().Str("address", hostPort).Time("retry_until", deadline).Float64("retry_until_window_seconds", o.RetryUntilWindow.Seconds()).
				Msg("address already in use (is another server running?); retrying every 0.1 s until retry_until")
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// resolve turns bind_host into an address, as getaddrinfo does, taking
// the first result. A name that does not resolve is a *hostError, which
// Settings.positioned places at the key that set bind_host.
func resolve(ctx context.Context, host string) (netip.Addr, error) {
	if host == "" {
		host = "0.0.0.0"
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return a, nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		if err == nil {
			err = errors.New("no address")
		}
		return netip.Addr{}, &hostError{host, err}
	}
	return addrs[0].Unmap(), nil
}

// hostError is a bind_host that does not resolve.
type hostError struct {
	host string
	err  error
}

func (e *hostError) Error() string {
	return fmt.Sprintf("bind_host %q: cannot resolve: %v", e.host, e.err)
}

func (e *hostError) Unwrap() error { return e.err }

// bindListen makes the socket by hand, because net.Listen does not take a
// backlog.
func bindListen(addr netip.Addr, port, backlog int, v6only bool) (net.Listener, error) {
	// As4 panics on an IPv6 address: look at the family first.
	var family int
	var sa unix.Sockaddr
	if addr.Is4() {
		family, sa = unix.AF_INET, &unix.SockaddrInet4{Port: port, Addr: addr.As4()}
	} else {
		family, sa = unix.AF_INET6, &unix.SockaddrInet6{Port: port, Addr: addr.As16()}
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return nil, err
	}
	file := os.NewFile(uintptr(fd), "listener")
	defer file.Close()
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return nil, err
	}
	if family == unix.AF_INET6 {
		v := 0
		if v6only {
			v = 1
		}
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, v); err != nil {
			return nil, err
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		return nil, err
	}
	if err := unix.Listen(fd, backlog); err != nil {
		return nil, err
	}
	return net.FileListener(file)
}

// keepAliveListener turns on TCP keepalive for each accepted connection.
type keepAliveListener struct {
	net.Listener
	idle time.Duration
}

func (l keepAliveListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok && l.idle > 0 {
		tc.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true, Idle: l.idle, Interval: -1, Count: -1})
	}
	return c, nil
}
