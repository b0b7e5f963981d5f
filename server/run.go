package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/loader"
	"github.com/rs/zerolog"
)

// interruptDeadline is how long in-flight requests get after SIGINT
// (Ctrl-C): short, since someone is waiting at a terminal.
const interruptDeadline = 5 * time.Second

// Run loads the configuration, builds the pipeline and serves it until
// SIGTERM or SIGINT, reloading on SIGHUP. With api_workers > 0 it runs
// that many worker processes instead (see workers.go). It returns nil
// after a graceful stop.
func Run(flags Flags, log zerolog.Logger, reg *loader.Registry) error {
	cfg, err := Load(flags)
	if err != nil {
		return err
	}
	if isWorker() {
		return serve(cfg, log, reg)
	}
	logWarnings(log, cfg.Warnings)
	if cfg.LogOptions {
		logOptions(log, cfg)
	}
	if cfg.Workers > 0 {
		return runMaster(cfg, log, reg)
	}
	return serve(cfg, log, reg)
}

// BuildApp resolves and builds the configured app.
func BuildApp(cfg *Config, reg *loader.Registry) (http.Handler, error) {
	r := &loader.Resolver{Registry: reg}
	n, err := r.Resolve(cfg.Paste, cfg.Name, loader.TypeApp, cfg.Global)
	if err != nil {
		return nil, withSources(err, r)
	}
	h, err := loader.Build(n, reg)
	if err != nil {
		return nil, withSources(err, r)
	}
	return h, nil
}

// SourceError is an error from a paste file with the files it concerns,
// so that callers can print source excerpts.
type SourceError struct {
	Err   error
	Files []*dsl.File
}

func (e *SourceError) Error() string { return e.Err.Error() }
func (e *SourceError) Unwrap() error { return e.Err }

func withSources(err error, r *loader.Resolver) error {
	return &SourceError{Err: err, Files: r.Files()}
}

// swapHandler serves whatever handler was stored last: SIGHUP stores a
// rebuilt pipeline, and requests already running finish on the old one.
type swapHandler struct{ p atomic.Pointer[http.Handler] }

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.p.Load()).ServeHTTP(w, r)
}
func (s *swapHandler) store(h http.Handler) { s.p.Store(&h) }

// serve runs one serving process: in-process mode or a worker.
func serve(cfg *Config, log zerolog.Logger, reg *loader.Registry) error {
	app, err := BuildApp(cfg, reg)
	if err != nil {
		return err
	}
	var swap swapHandler
	swap.store(app)

	var tlsState *tlsSettings
	if cfg.UseSSL {
		if tlsState, err = newTLS(cfg.Options); err != nil {
			return err
		}
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	ln, err := workerListener(cfg.Options)
	if err != nil {
		return err
	}
	if ln == nil {
		if ln, err = listen(ctx, cfg.Options); err != nil {
			return err
		}
	}
	defer ln.Close()

	srv := newHTTPServer(cfg.Options, log, &swap)
	var conns connTracker
	srv.ConnState = conns.track
	if tlsState != nil {
		srv.TLSConfig = tlsState.serverConfig()
	}
	// Signals are set up before serving so none is lost in between.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)

	served := make(chan error, 1)
	go func() {
		if tlsState != nil {
			served <- srv.ServeTLS(ln, "", "")
		} else {
			served <- srv.Serve(ln)
		}
	}()
	log.Info().Str("address", ln.Addr().String()).Str("paste", cfg.Paste).Str("app", cfg.Name).
		Int("workers", cfg.Workers).Bool("tls", tlsState != nil).Int("pid", os.Getpid()).
		Msg("listening")
	notify(log, daemon.SdNotifyReady)
	workerReady()
	stopWatchdog := watchdog(log)
	defer stopWatchdog()

	for {
		select {
		case err := <-served:
			return err
		case sig := <-sigs:
			switch sig {
			case syscall.SIGHUP:
				notify(log, daemon.SdNotifyReloading)
				reload(cfg, log, reg, &swap, tlsState)
				notify(log, daemon.SdNotifyReady)
			default:
				deadline := cfg.GracefulShutdownTimeout
				if sig == syscall.SIGINT && (deadline == 0 || deadline > interruptDeadline) {
					deadline = interruptDeadline
				}
				return shutdown(srv, ln, &conns, log, sig, deadline)
			}
		}
	}
}

// shutdown drains the server without dropping a request:
//
//  1. stop accepting, and turn keep-alive off, so that every response from
//     now on says Connection: close and idle connections are closed;
//  2. give connections accepted just before (state new, no request read
//     yet) up to newConnGrace to send their request, then close those
//     that have not: clients open connections ahead of need and may
//     never use them;
//  3. wait for the requests in flight to finish, up to deadline (0: no
//     limit);
//  4. only then call Shutdown.
//
// Calling Shutdown first would drop a request read on a connection
// accepted just before it: net/http discards requests it reads once
// shutdown has begun, and the client, whose connection was fresh, does
// not retry.
func shutdown(srv *http.Server, ln net.Listener, conns *connTracker, log zerolog.Logger, sig os.Signal, deadline time.Duration) error {
	notify(log, daemon.SdNotifyStopping)
	log.Info().Str("signal", sig.String()).Dur("deadline", deadline).Msg("stopping: draining in-flight requests")
	ctx := context.Background()
	if deadline > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, deadline)
		defer cancel()
	}
	ln.Close()
	srv.SetKeepAlivesEnabled(false)
	grace := time.NewTimer(newConnGrace)
	defer grace.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	graceOver := false
	lastReport := time.Now()
	for {
		open, fresh := conns.counts()
		if open == 0 {
			break
		}
		if time.Since(lastReport) >= 5*time.Second {
			lastReport = time.Now()
			log.Info().Int("open_connections", open).Int("fresh_connections", fresh).Msg("still draining")
		}
		if fresh > 0 && graceOver {
			conns.closeFresh()
		}
		select {
		case <-ctx.Done():
			srv.Close()
			return fmt.Errorf("graceful shutdown timeout (%s) exceeded; %d connections were cut off", deadline, open)
		case <-grace.C:
			graceOver = true
		case <-tick.C:
		}
	}
	srv.Shutdown(ctx)
	log.Info().Msg("stopped")
	return nil
}

// newConnGrace is how long a connection accepted before the listener
// closed may take to send its first request during a drain.
const newConnGrace = time.Second

// connTracker counts open connections and remembers the fresh ones
// (accepted, no request read yet), through http.Server.ConnState. The
// steady state of a keep-alive connection (active, idle, active...)
// costs an atomic load: only fresh connections are kept in the map.
type connTracker struct {
	open   atomic.Int64
	nfresh atomic.Int64
	mu     sync.Mutex
	fresh  map[net.Conn]struct{}
}

func (t *connTracker) track(c net.Conn, s http.ConnState) {
	switch s {
	case http.StateNew:
		t.open.Add(1)
		t.mu.Lock()
		if t.fresh == nil {
			t.fresh = map[net.Conn]struct{}{}
		}
		t.fresh[c] = struct{}{}
		t.nfresh.Add(1)
		t.mu.Unlock()
		return
	case http.StateClosed, http.StateHijacked:
		t.open.Add(-1)
	}
	if t.nfresh.Load() > 0 {
		t.mu.Lock()
		if _, ok := t.fresh[c]; ok {
			delete(t.fresh, c)
			t.nfresh.Add(-1)
		}
		t.mu.Unlock()
	}
}

// counts returns the open connections and those that have sent nothing.
func (t *connTracker) counts() (open, fresh int) {
	return int(t.open.Load()), int(t.nfresh.Load())
}

// closeFresh closes the connections that have sent no request.
func (t *connTracker) closeFresh() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for c := range t.fresh {
		c.Close()
	}
}

// reload re-reads the configuration and paste files and swaps in the new
// pipeline and TLS certificates. If anything is wrong, the old pipeline
// keeps serving and the error is logged with its position. Options that
// need a new socket or process (the address, the limits) are reported as
// needing a restart.
func reload(cfg *Config, log zerolog.Logger, reg *loader.Registry, swap *swapHandler, tlsState *tlsSettings) {
	start := time.Now()
	next, err := Load(cfg.flags)
	if err == nil {
		var app http.Handler
		if app, err = BuildApp(next, reg); err == nil {
			if tlsState != nil {
				err = tlsState.reload(next.Options)
			}
			if err == nil {
				swap.store(app)
			}
		}
	}
	if err != nil {
		log.Error().Str("error", errorText(err)).Msg("reload failed; still serving the previous pipeline")
		return
	}
	for _, name := range restartOnly(cfg.Options, next.Options) {
		log.Warn().Str("option", name).Msg("option changed; restart to apply it")
	}
	logWarnings(log, next.Warnings)
	log.Info().Dur("took", time.Since(start)).Msg("reloaded: new requests use the rebuilt pipeline")
}

// restartOnly lists options that differ between a and b but cannot change
// while serving.
func restartOnly(a, b Options) []string {
	var out []string
	check := func(name string, changed bool) {
		if changed {
			out = append(out, name)
		}
	}
	check("bind_host", a.BindHost != b.BindHost)
	check("bind_port", a.BindPort != b.BindPort)
	check("backlog", a.Backlog != b.Backlog)
	check("max_header_line", a.MaxHeaderLine != b.MaxHeaderLine)
	check("max_header_size", a.MaxHeaderSize != b.MaxHeaderSize)
	check("client_socket_timeout", a.ClientSocketTimeout != b.ClientSocketTimeout)
	check("wsgi_keep_alive", a.KeepAlive != b.KeepAlive)
	check("wsgi_default_pool_size", a.PoolSize != b.PoolSize)
	check("use_ssl", a.UseSSL != b.UseSSL)
	return out
}

// errorText renders an error with positions for a log line: each
// diagnostic with its related positions.
func errorText(err error) string {
	var ds dsl.Diagnostics
	if !errors.As(err, &ds) {
		return err.Error()
	}
	var b strings.Builder
	for i, d := range ds {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(d.Error())
		for _, r := range d.Related {
			fmt.Fprintf(&b, " (%s: %s)", r.Pos, r.Msg)
		}
	}
	return b.String()
}

// newHTTPServer wires the limits around the pipeline. The request's
// logger (and id) is outermost so that every layer, the access log
// included, logs with them.
func newHTTPServer(o Options, log zerolog.Logger, app http.Handler) *http.Server {
	var h http.Handler = app
	h = guard(o, h)
	if o.AccessLog {
		h = accessLog(o.LogFormat, h)
	}
	h = requestLogger(log, o.AssignRequestID, h)
	srv := &http.Server{
		Handler:           h,
		MaxHeaderBytes:    o.MaxHeaderSize,
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadBodyTimeout,
		WriteTimeout:      o.WriteTimeout,
		IdleTimeout:       o.IdleTimeout,
		ErrorLog:          nil,
	}
	srv.SetKeepAlivesEnabled(o.KeepAlive)
	return srv
}

func notify(log zerolog.Logger, state string) {
	if _, err := daemon.SdNotify(false, state); err != nil {
		log.Debug().Err(err).Str("state", state).Msg("sd_notify failed")
	}
}

// watchdog pings systemd at half the interval it asks for (WATCHDOG_USEC,
// for this process if WATCHDOG_PID says so), until the returned function
// is called: when the process is done, so that a long drain is not taken
// for a hang. In worker mode only the master pings (workers do not get
// the variables); a ping says that the process and its Go runtime run,
// not that the pipeline answers.
func watchdog(log zerolog.Logger) func() {
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		log.Warn().Err(err).Msg("systemd watchdog not pinged")
	}
	if err != nil || interval == 0 {
		return func() {}
	}
	log.Info().Dur("every", interval/2).Msg("pinging the systemd watchdog")
	t := time.NewTicker(interval / 2)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-t.C:
				notify(log, daemon.SdNotifyWatchdog)
			case <-done:
				return
			}
		}
	}()
	return func() { t.Stop(); close(done) }
}

func logWarnings(log zerolog.Logger, ds dsl.Diagnostics) {
	for _, d := range ds {
		log.Warn().Str("position", d.Pos.String()).Msg(d.Msg)
	}
}

// logOptions logs every option, its value and where it came from, as
// oslo's log_opt_values does, with secrets masked.
func logOptions(log zerolog.Logger, cfg *Config) {
	for _, opt := range options {
		v := opt.field.get(&cfg.Options)
		if isSecret(opt.name) && v != "" {
			v = "****"
		}
		log.Info().Str("option", opt.group+"."+opt.name).Str("value", v).Str("source", cfg.Source(opt.group, opt.name)).Msg("option")
	}
	log.Info().Str("option", "paste").Str("value", cfg.Paste).Str("source", "--paste or api_paste_config").Msg("option")
}

func isSecret(name string) bool {
	for _, s := range []string{"password", "secret", "token"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}
