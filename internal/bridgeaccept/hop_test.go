package bridgeaccept

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

// hopEnv, when set in the test binary's environment, makes it the speed
// run's hop (server h) instead of running tests: a JSON hopSpec.
const hopEnv = "BRIDGEACCEPT_HOP"

// hopSpec says what the hop serves.
type hopSpec struct {
	Listen   string   // TCP address the hop listens on
	Socket   string   // unix socket gunicorn binds
	Gunicorn []string // gunicorn's command line (binding Socket)
}

// runHop is the floor of any bridge that speaks HTTP to gunicorn over a
// unix socket: net/http's server and httputil.ReverseProxy with the
// bridge's settings (a Transport that keeps every idle connection,
// FlushInterval -1), and nothing else: no pasteserve layers, no
// filters, no carrier. It runs gunicorn as its child, so that the speed
// run counts both as one server, and stops it on SIGTERM.
func runHop(raw string) int {
	var spec hopSpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		fmt.Fprintln(os.Stderr, "hop:", err)
		return 2
	}
	g := exec.Command(spec.Gunicorn[0], spec.Gunicorn[1:]...)
	g.Stdout, g.Stderr = os.Stderr, os.Stderr
	g.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := g.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "hop:", err)
		return 1
	}
	transport := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", spec.Socket)
		},
		MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second,
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.Out.URL.Scheme, r.Out.URL.Host = "http", "gunicorn"
		},
		Transport:     transport,
		FlushInterval: -1,
	}
	srv := &http.Server{Addr: spec.Listen, Handler: proxy}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		srv.Close()
	}()
	err := srv.ListenAndServe()
	g.Process.Signal(syscall.SIGTERM)
	g.Wait()
	if err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "hop:", err)
		return 1
	}
	return 0
}
