package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/options"
	"github.com/pasteserve/pasteserve/redact"
	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"
)

// Run loads the configuration, builds the pipeline and serves it until
// SIGTERM or SIGINT, reloading on SIGHUP. With api_workers > 0 it runs
// that many worker processes instead (see workers.go); either way one
// supervisor (supervisor.go) handles the signals. It returns nil
// after a graceful stop.
//
// Every request logs through log. For the request path not to wait on
// the log's output, log should write to a LogWriter, which the caller
// closes once Run has returned, so that the lines of the drain are all
// written (the pasteserve command does so).
func Run(flags Flags, log zerolog.Logger, reg *factory.Registry) error {
	// From the start: a signal that comes while the app (and its Python
	// pool) loads means what it means later (supervise).
	sigs := catchSignals()
	defer sigs.stop()
	cfg, err := LoadSettings(flags)
	if err != nil {
		return err
	}
	if isWorker() {
		return serve(cfg, log, reg, sigs)
	}
	logWarnings(log, cfg.Warnings)
	if cfg.LogOptions {
		logOptions(log, cfg)
	}
	if cfg.Workers > 0 {
		return runMaster(cfg, log, reg, sigs)
	}
	return serve(cfg, log, reg, sigs)
}

// BuildApp resolves and builds the configured app, from the paste file
// as LoadSettings read it (see Settings.Loaded), all in Go: a part with
// no Go factory is an error even with [python] executable set, since
// serving those starts Python workers, which Run does.
func BuildApp(cfg *Settings, reg *factory.Registry) (http.Handler, error) {
	h, err := cfg.set.Build(cfg.Name, cfg.Global, reg)
	if err != nil {
		return nil, &SourceError{Err: err, Files: cfg.set.Files()}
	}
	return h, nil
}

// CheckApp returns the error BuildApp would return, calling every
// factory of the app but keeping nothing: what the master of pre-fork
// workers runs, to fail at start (or to refuse a reload) rather than in
// every worker, without holding an app it never serves.
func CheckApp(cfg *Settings, reg *factory.Registry) error {
	if err := cfg.set.Check(cfg.Name, cfg.Global, reg); err != nil {
		return &SourceError{Err: err, Files: cfg.set.Files()}
	}
	return nil
}

// SourceError is an error from a paste file with the files it concerns,
// so that callers can print source excerpts.
type SourceError struct {
	Err   error
	Files []*dsl.File
}

// Error returns the message of e.Err, without source excerpts: callers
// that want them print e.Err with dsl.Diagnostics.Write and e.Files.
func (e *SourceError) Error() string { return e.Err.Error() }

// Unwrap returns e.Err, so that errors.As finds the dsl.Diagnostics (or
// a typed error such as resolve's) inside.
func (e *SourceError) Unwrap() error { return e.Err }

// serve runs one serving process: in-process mode or a worker. A
// SIGTERM or SIGINT during the start abandons it (the pool that is
// loading is stopped); a SIGHUP reloads once it serves.
func serve(cfg *Settings, log zerolog.Logger, reg *factory.Registry, sigs *signals) error {
	var p *process
	var err error
	stop, hup := sigs.during(func(ctx context.Context) { p, err = newProcess(ctx, cfg, log, reg) })
	if stop != nil {
		return stoppedDuringStart(log, stop, err, func() { p.abandon() })
	}
	if err != nil {
		return err
	}
	defer p.ln.Close()
	return supervise(log, cfg.GracefulShutdownTimeout, p, newWatcher(cfg, reg, log), sigs, hup)
}

// process is the strategy of a process that serves by itself: the
// in-process mode, and each pre-fork worker (whose listener is the
// master's, inherited).
type process struct {
	cfg      *Settings // as started; a reload compares against it
	log      zerolog.Logger
	reg      *factory.Registry
	swap     swapHandler
	tlsState *tlsSettings // nil without TLS
	srv      *http.Server
	conns    *connTracker
	ln       net.Listener
	served   chan error // Serve's result, which the drain waits for
	retired  retirer    // the Python pools of generations a reload replaced

	// With admin_bind (admin.go): in a process of its own, its admin
	// listener (nil when admin_on_public_port shares the public one)
	// and what /readyz answers; in a worker, what its master asks
	// (aggregate.go).
	admin         *adminServer
	adminShared   http.Handler // admin_on_public_port: the admin paths
	ready         *readiness
	workerMetrics *workerMetricsServer

	tracing *tracing // nil with tracing off (tracing.go)
}

// newProcess builds the app and opens (or, in a worker, inherits) the
// listener: everything that can fail before serving.
//
// With Python parts, the pool is started and has loaded them before
// the socket is opened (in-process; a worker uses its master's pool);
// on a later error it is stopped again. ctx ends the start early
// (SIGTERM meanwhile).
func newProcess(ctx context.Context, cfg *Settings, log zerolog.Logger, reg *factory.Registry) (_ *process, err error) {
	mode := ownPool
	if isWorker() {
		mode = envPool
	}
	tr, err := startTracing(cfg.Tracing, log)
	if err != nil {
		return nil, err
	}
	p := &process{cfg: cfg, log: log, reg: reg, served: make(chan error, 1), retired: retirer{log: log}, tracing: tr}
	// The admin listener opens first, so that /livez answers (and
	// /readyz says "starting") while a Python pool loads.
	if err := p.startAdmin(); err != nil {
		tr.stop(log)
		return nil, err
	}
	defer func() {
		if err != nil {
			p.admin.close()
		}
	}()
	gen, err := loadGeneration(ctx, cfg, reg, log, mode)
	if err != nil {
		tr.stop(log)
		return nil, err
	}
	defer func() {
		if err != nil {
			gen.stopNow(log)
			tr.stop(log)
		}
	}()
	p.swap.swap(gen)
	if cfg.UseSSL {
		if p.tlsState, err = newTLS(cfg.Options); err != nil {
			return nil, err
		}
	}
	ln, err := workerListener(cfg.Options)
	if err != nil {
		return nil, err
	}
	if ln == nil {
		if ln, err = listen(ctx, cfg.Options, log); err != nil {
			return nil, cfg.positioned(err)
		}
	}
	p.srv, p.conns, p.ln = newServing(cfg.Options, log, tr.handler(&p.swap), ln)
	if p.tlsState != nil {
		p.srv.TLSConfig = p.tlsState.serverConfig()
	}
	if p.adminShared != nil {
		p.srv.Handler = sharedAdmin(p.adminShared, cfg.AdminPprof, p.srv.Handler)
	}
	return p, nil
}

// startAdmin starts what admin_bind asks of this process: the admin
// listener, or the public listener's admin paths (admin_on_public_port),
// or, in a worker, its side of the master's metrics.
func (p *process) startAdmin() (err error) {
	cfg := p.cfg
	if cfg.AdminBind == "" {
		return nil
	}
	servingConfig(cfg)
	if isWorker() {
		p.workerMetrics, err = startWorkerMetrics(p.log)
		return err
	}
	p.ready = &readiness{}
	h := adminHandler(newRegistry(), p.ready, cfg.AdminPprof, p.log)
	if cfg.adminShared() {
		p.adminShared = h // newProcess puts it on the public listener
		return nil
	}
	p.admin, err = startAdmin(cfg, h, p.log)
	return err
}

// abandon undoes newProcess, for a start that a signal stopped before
// it served.
func (p *process) abandon() {
	p.ln.Close()
	p.admin.close()
	p.stopPython(pythonStopGrace)
	p.tracing.stop(p.log)
}

func (p *process) start(events chan<- event) error {
	go func() {
		var err error
		if p.tlsState != nil {
			err = p.srv.ServeTLS(p.ln, "", "")
		} else {
			err = p.srv.Serve(p.ln)
		}
		p.served <- err
		// Serve returns on its own only when accepting fails; during a
		// drain the supervisor no longer reads events (the buffer
		// takes this one).
		events <- func() (bool, error) { return true, err }
	}()
	p.log.Info().Str("address", p.ln.Addr().String()).Str("paste", p.cfg.Paste).Str("app", p.cfg.Name).
		Int("workers", p.cfg.Workers).Bool("tls", p.tlsState != nil).Int("pid", os.Getpid()).
		Msg("listening")
	p.ready.set(stateReady)
	workerReady()
	return nil
}

// stop drains Go first (its requests may be in Python), then stops the
// Python pools with what remains of the deadline.
//
// /readyz turns 503 first, before anything else of the drain, so that a
// load balancer stops sending; the admin listener closes last.
// unready is delayedStop's: /readyz answers 503 from now on. A worker
// serves on for no delay: its master has waited it out before it told
// the workers to stop.
func (p *process) unready() time.Duration {
	p.ready.set(stateDraining)
	if isWorker() {
		return 0
	}
	return p.cfg.ShutdownDelay
}

func (p *process) stop(sig syscall.Signal, deadline time.Duration) error {
	p.ready.set(stateDraining)
	start := time.Now()
	err := shutdown(p.srv, p.ln, p.served, p.conns, p.log, sig, deadline)
	p.stopPython(remaining(deadline, start))
	p.workerMetrics.writeFinal()
	p.tracing.stop(p.log) // the drained requests' spans have ended
	p.admin.close()
	return err
}

// stopPython stops the pool of the current generation, and those still
// retiring, within deadline.
func (p *process) stopPython(deadline time.Duration) {
	if g := p.swap.p.Load(); g != nil && g.pool != nil {
		if err := g.pool.Stop(deadline); err != nil {
			p.log.Warn().Err(err).Msg("python pool stopped")
		} else {
			p.log.Info().Msg("python pool stopped")
		}
	}
	p.retired.stopAll(deadline)
}

// shutdown drains the server without dropping a request that a client has
// sent on an open connection. The same drain serves SIGTERM and SIGINT in
// a single process and in a worker, which the master stops with SIGTERM on
// a rolling reload and on its own SIGTERM:
//
//  1. stop accepting, and answer every request that starts from now on
//     with Connection: close (a GOAWAY in HTTP/2), after which net/http
//     closes the connection: a client that is using its connection learns
//     from the response itself that it must open a new one;
//  2. close an HTTP/1 connection only when no request is on its way in as
//     far as the server can tell: accepted but unused for newConnGrace, or
//     idle between requests for drainIdleGrace (both counted from the
//     start of the drain or the connection's last response, whichever is
//     later), with no unread bytes in its socket, on two checks in a row;
//  3. once only HTTP/2 connections are left (or none), call Shutdown: it
//     sends each a GOAWAY, after which its client opens no new stream on
//     it, and net/http closes it when its streams are done. HTTP/2 has
//     this clean signal, so its connections are never closed unannounced;
//  4. wait, up to deadline (0: no limit), for the requests in flight;
//     past it, cut off the rest.
//
// served is Serve's result: the drain waits for Serve to return after
// the listener is closed, since only then has every connection it
// accepted been tracked (Serve reports a connection's StateNew after
// Accept returns it). A connection accepted just before the listener
// closed would otherwise be missed by the first check, which would find
// nothing open and call Shutdown, and Shutdown drops the request such a
// connection then reads.
//
// Neither SetKeepAlivesEnabled(false) nor Shutdown may start the drain
// while HTTP/1 connections are open: both close every idle keep-alive
// connection at once, so a client that has just sent its next request on
// one gets a reset or an EOF instead of an answer, and clients such as
// Python's http.client do not retry (issue 10 lost 17 of 18,822 requests
// over two rolling reloads so). Shutdown also discards requests it reads
// once it has begun, and a response written before
// SetKeepAlivesEnabled(false) and finished after it goes out without
// Connection: close on a connection that is then closed.
//
// What remains is HTTP/1.1's own race, the same as for idle_timeout: a
// client that sends on a connection idle for longer than the grace may
// send just as the server closes it.
func shutdown(srv *http.Server, ln net.Listener, served <-chan error, conns *connTracker, log zerolog.Logger, sig os.Signal, deadline time.Duration) error {
	// The listener closes first: a client told to reconnect by a
	// Connection: close must find it closed (or, with workers, another
	// worker's), not be left in this process's accept queue. The drain
	// has begun by the time the message says so.
	ln.Close()
	conns.startDrain()
	log.Info().Str("signal", sig.String()).Float64("deadline_seconds", deadline.Seconds()).Msg("stopping: draining in-flight requests")
	ctx := context.Background()
	if deadline > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, deadline)
		defer cancel()
	}
	select {
	case <-served:
	case <-ctx.Done():
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	lastReport := time.Now()
	for {
		open, active, h2 := conns.closeUnused(time.Now())
		if open == h2 {
			break
		}
		if time.Since(lastReport) >= 5*time.Second {
			lastReport = time.Now()
			log.Info().Int("open_connections", open).Int("active_connections", active).Msg("still draining")
		}
		select {
		case <-ctx.Done():
			return cutOff(srv, conns, log, deadline)
		case <-tick.C:
		}
	}
	if err := srv.Shutdown(ctx); err != nil {
		return cutOff(srv, conns, log, deadline)
	}
	log.Info().Msg("stopped")
	return nil
}

// cutOff ends a drain whose deadline has passed: it closes every
// connection, and fails if a request was still in progress. Connections
// without a request are no failure: closing them is what the grace would
// have done.
func cutOff(srv *http.Server, conns *connTracker, log zerolog.Logger, deadline time.Duration) error {
	active := conns.closeAll()
	srv.Close()
	if active > 0 {
		return fmt.Errorf("graceful shutdown timeout (%s) exceeded; cut off %d request(s) in progress", deadline, active)
	}
	log.Info().Msg("stopped")
	return nil
}

// newConnGrace is how long a connection accepted before the listener
// closed may take to send its first request during a drain: clients open
// connections ahead of need and may never use them.
const newConnGrace = time.Second

// drainIdleGrace is how long a keep-alive connection may stay idle during
// a drain before it is closed. A client that is using its connection sends
// its next request within milliseconds of the last response (tens or
// hundreds under load, with a garbage collector or a GIL in the way) and
// gets Connection: close on it; a connection idle for longer is a pooled
// one kept for later, and closing it is what idle_timeout does anyway.
// Every drain that finds such a connection lasts this long, so it is kept
// short: 2 s is ten times the pause of a busy client on a loaded host, and
// well inside the 5 s of SIGINT and the default graceful_shutdown_timeout.
const drainIdleGrace = 2 * time.Second

// stateClosing marks a connection the drain has closed and net/http has
// not yet reported closed.
const stateClosing = -1

// connTracker follows every connection's state through
// http.Server.ConnState, so that a drain can tell which connections may
// have a request on the wire. The map, which the drain ranges over,
// changes once per connection; a connection's entry lives in its
// wireConn, so outside a drain a request costs two atomic stores (its
// connection turns active, then idle) and no look-up.
type connTracker struct {
	open     atomic.Int64
	conns    sync.Map // net.Conn -> *trackedConn
	draining atomic.Bool
	start    time.Time // of the drain; set before draining
}

type trackedConn struct {
	state atomic.Int32 // http.ConnState, or stateClosing
	since atomic.Int64 // UnixNano of the last change during a drain; 0 before
	// proto is what the connection speaks, once known (protoUnknown
	// until a TLS connection's handshake is done).
	proto atomic.Int32
	// seen is the since of the check that first found the connection
	// unused; only the drain's goroutine uses it.
	seen int64
}

const (
	protoUnknown int32 = iota
	protoHTTP1
	protoHTTP2
)

func (t *connTracker) track(c net.Conn, s http.ConnState) {
	switch s {
	case http.StateNew:
		tc := &trackedConn{}
		if wc := asWireConn(c); wc != nil {
			tc = &wc.tracked
		}
		tc.state.Store(int32(s))
		if t.draining.Load() {
			tc.since.Store(time.Now().UnixNano())
		}
		t.open.Add(1)
		t.conns.Store(c, tc)
	case http.StateClosed, http.StateHijacked:
		if wc, ok := c.(*wireConn); ok && s == http.StateHijacked {
			// The handler owns the connection now: what it writes,
			// during the handler or after, is never looked at.
			wc.phase.Store(phaseOpaque)
		}
		t.conns.Delete(c)
		t.open.Add(-1)
	default:
		tc := t.entry(c)
		if tc == nil {
			return
		}
		if tc.proto.Load() == protoUnknown {
			// Once per connection, on its own goroutine, after the TLS
			// handshake (net/http and its HTTP/2 server report a state
			// only once it is done).
			tc.proto.Store(protocolOf(c))
		}
		tc.state.Store(int32(s))
		if t.draining.Load() {
			tc.since.Store(time.Now().UnixNano())
		}
	}
}

// entry returns c's entry: in its wireConn, or (for a connection the
// server did not wrap) in the map; nil if c is not tracked.
func (t *connTracker) entry(c net.Conn) *trackedConn {
	if wc := asWireConn(c); wc != nil {
		return &wc.tracked
	}
	v, ok := t.conns.Load(c)
	if !ok {
		return nil
	}
	return v.(*trackedConn)
}

// protocolOf says what c speaks, once any TLS handshake is done. An
// h2c connection is found out later, at its first stream (inHandler).
func protocolOf(c net.Conn) int32 {
	if tc, ok := c.(*tls.Conn); ok && tc.ConnectionState().NegotiatedProtocol == "h2" {
		return protoHTTP2
	}
	return protoHTTP1
}

// startDrain makes every response from now on close its connection.
func (t *connTracker) startDrain() {
	t.start = time.Now()
	t.draining.Store(true)
}

// outermost is the server's outermost handler. During a drain, each
// response says Connection: close, which net/http honours by closing the
// connection after it (and HTTP/2 by a GOAWAY). And it marks the
// connection as in a handler while one runs (inHandler), so that the
// connection tells net/http's own answers from the handlers'. It costs
// an atomic load, a context look-up and two atomic stores per request.
func (t *connTracker) outermost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if t.draining.Load() {
			w.Header().Set("Connection", "close")
		}
		if c := inHandler(r); c != nil {
			defer c.handlerDone()
		}
		next.ServeHTTP(w, r)
	})
}

// closeUnused closes the HTTP/1 connections that, at now, have been
// unused (new: newConnGrace; idle: drainIdleGrace) on this check and the
// one before, with no bytes waiting in their sockets. It returns the open
// connections, those with a request in progress, and the HTTP/2 ones,
// which it leaves to Shutdown's GOAWAY.
func (t *connTracker) closeUnused(now time.Time) (open, active, h2 int) {
	start := t.start.UnixNano()
	t.conns.Range(func(k, v any) bool {
		c, tc := k.(net.Conn), v.(*trackedConn)
		st := tc.state.Load()
		grace := drainIdleGrace
		switch http.ConnState(st) {
		case http.StateNew:
			grace = newConnGrace
		case http.StateIdle:
		case http.StateActive:
			active++
			if tc.proto.Load() == protoHTTP2 {
				h2++
			}
			return true
		default: // closing
			return true
		}
		if tc.proto.Load() == protoHTTP2 {
			h2++
			return true
		}
		since := max(tc.since.Load(), start)
		if now.UnixNano()-since < int64(grace) || unreadBytes(c) {
			return true
		}
		// A request read just now may not have turned the connection
		// active yet: close only what the previous check found unused
		// too, with nothing changed since.
		if tc.seen != since {
			tc.seen = since
			return true
		}
		if tc.state.CompareAndSwap(st, stateClosing) {
			closeSocket(c)
		}
		return true
	})
	return int(t.open.Load()), active, h2
}

// closeAll closes every connection's socket, and returns how many had a
// request in progress.
func (t *connTracker) closeAll() (active int) {
	t.conns.Range(func(k, v any) bool {
		if http.ConnState(v.(*trackedConn).state.Load()) == http.StateActive {
			active++
		}
		closeSocket(k.(net.Conn))
		return true
	})
	return active
}

// closeSocket closes c's socket at once. A *tls.Conn's own Close first
// sends a close_notify alert, under a 5 s write deadline: a client that
// stopped reading with the socket's buffer full would hold the drain for
// that long, one connection after another. Without the socket, the
// alert fails at once when net/http closes the tls.Conn in its turn; a
// client sees the end of an idle connection, as HTTP/1.1 clients must
// handle anyway.
func closeSocket(c net.Conn) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	c.Close()
}

// unreadBytes reports whether bytes have arrived on c that the server has
// not read: a request on its way in. It looks through wrappers that give
// their connection (as *tls.Conn does); for a connection it cannot see
// into, it reports false.
func unreadBytes(c net.Conn) bool {
	for i := 0; i < 8; i++ {
		u, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		c = u.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	n := 0
	rc.Control(func(fd uintptr) { n, _ = unix.IoctlGetInt(int(fd), unix.SIOCINQ) })
	return n > 0
}

// reload re-reads the configuration and paste files and swaps in the new
// pipeline and TLS certificates. If anything is wrong, the old pipeline
// keeps serving and the error is logged with its position. Options that
// need a new socket or process (the address, the limits) are reported as
// needing a restart.
//
// With Python parts, the new generation's pool is started and loaded
// beside the old one before the new Go handlers, which point at it, go
// live; the old pool is stopped once no request is in the old
// generation any more. A pool that fails to load is stopped, and the
// old Go and Python sides keep serving; so is one still loading when
// ctx ends (SIGTERM during the reload), which abandons the reload.
func (p *process) reload(ctx context.Context) {
	start := time.Now()
	oldCert := p.tlsState.certificate()
	next, err := LoadSettings(p.cfg.flags)
	if err == nil {
		mode := ownPool
		if isWorker() {
			mode = envPool
		}
		var gen *generation
		if gen, err = loadGeneration(ctx, next, p.reg, p.log, mode); err == nil {
			if p.tlsState != nil {
				err = p.tlsState.reload(next.Options)
			}
			if err != nil {
				gen.stopNow(p.log)
			} else {
				old := p.swap.swap(gen)
				p.retired.retire(old, func() bool { return old.inflight.Load() == 0 }, old.inflight.Load, next.GracefulShutdownTimeout)
			}
		}
	}
	if err != nil && ctx.Err() != nil {
		p.log.Warn().Str("error", errorText(err)).Msg("reload abandoned: stopping")
		return
	}
	countReload(next, err)
	if err != nil {
		p.log.Error().Str("error", errorText(err)).Msg("reload failed; still serving the previous pipeline")
		return
	}
	for _, name := range restartOnly(p.cfg.Options, next.Options) {
		p.log.Warn().Str("option", name).Msg("option changed; restart to apply it")
	}
	logWarnings(p.log, next.Warnings)
	logCertificateChange(p.log, oldCert, p.tlsState.certificate())
	p.log.Info().Float64("took_seconds", time.Since(start).Seconds()).Msg("reloaded: new requests use the rebuilt pipeline")
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
	check("send_timeout", a.SendTimeout != b.SendTimeout)
	check("wsgi_keep_alive", a.KeepAlive != b.KeepAlive)
	check("wsgi_default_pool_size", a.PoolSize != b.PoolSize)
	check("use_ssl", a.UseSSL != b.UseSSL)
	check("http2", a.HTTP2 != b.HTTP2)
	check("h2c", a.H2C != b.H2C)
	check("http2_max_concurrent_streams", a.HTTP2MaxStreams != b.HTTP2MaxStreams)
	check("http2_read_idle_timeout", a.HTTP2ReadIdleTimeout != b.HTTP2ReadIdleTimeout)
	check("shutdown_delay", a.ShutdownDelay != b.ShutdownDelay)
	check("admin_bind", a.AdminBind != b.AdminBind)
	check("admin_pprof", a.AdminPprof != b.AdminPprof)
	check("admin_on_public_port", a.AdminOnPublicPort != b.AdminOnPublicPort)
	check("tracing_*", a.Tracing.changed(b.Tracing))
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

// newServing is the HTTP side of serve, without its signals: the
// http.Server with every layer around app, the tracker of its
// connections that the drain reads, and ln with its connections wrapped
// (wireConn). FuzzServeConn serves through it too, so that what it
// fuzzes is what serves.
func newServing(o Options, log zerolog.Logger, app http.Handler, ln net.Listener) (*http.Server, *connTracker, net.Listener) {
	srv := newHTTPServer(o, log, app)
	conns := &connTracker{}
	srv.ConnState = conns.track
	srv.ConnContext = connContext
	srv.Handler = conns.outermost(srv.Handler)
	return srv, conns, wrapListener(ln, o, log)
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
	if o.AdminBind != "" {
		h = observeRequests(metricsFor("", ""), o.AccessLog, h)
	}
	h = requestLogger(log, o.AssignRequestID, h)
	srv := &http.Server{
		Handler:           h,
		MaxHeaderBytes:    headerCeiling(o.MaxHeaderSize),
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadBodyTimeout,
		WriteTimeout:      o.WriteTimeout,
		IdleTimeout:       o.IdleTimeout,
		ErrorLog:          NewErrorLog(log, "http.Server"),
		// The guard answers OPTIONS * itself (answerServerOptions), so
		// that it gets a request id and an access line.
		DisableGeneralOptionsHandler: true,
		HTTP2:                        http2Config(o),
		Protocols:                    protocols(o),
	}
	srv.SetKeepAlivesEnabled(o.KeepAlive)
	return srv
}

// headerCeiling is net/http's limit on the request line and headers:
// twice max_header_size, so that the guard, which answers with a
// request id and a log line, is what answers a request over
// max_header_size. Past the ceiling net/http answers itself
// (wireConn adds the id and the log line). It bounds what one request
// makes the server read and hold before any handler runs.
func headerCeiling(maxHeaderSize int) int {
	return min(maxHeaderSize, math.MaxInt/2) * 2
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
	log.Info().Float64("every_seconds", (interval / 2).Seconds()).Msg("pinging the systemd watchdog")
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
// oslo's log_opt_values does, and then the option groups handed to the
// paste file (keystone_authtoken.*, cors.*, ...), which oslo logs too.
// Values are masked as package redact decides: keystone_authtoken.password
// is "****", and so is the password of a URL, and a secret's value
// wherever another option's value holds it.
func logOptions(log zerolog.Logger, cfg *Settings) {
	values := optionValues(&cfg.Options)
	secrets := redact.Collect(values, cfg.Global)
	for _, opt := range optionTable {
		key := opt.Group + "." + opt.Name
		v := secrets.Value(opt.Name, values[key])
		log.Info().Str("option", key).Str("value", v).Str("source", cfg.Source(opt.Group, opt.Name)).Msg("option")
	}
	python, _ := options.Describe(cfg.Python)
	for _, opt := range python {
		v := secrets.Value(opt.Name, opt.Default)
		if opt.Name == "env" {
			// Each NAME=VALUE as the option NAME would print: a
			// password in OS_DATABASE__CONNECTION is masked.
			items := make([]string, len(cfg.Python.Env))
			for i, kv := range cfg.Python.Env {
				k, val, _ := strings.Cut(kv, "=")
				items[i] = k + "=" + secrets.Value(strings.ToLower(k), val)
			}
			v = strings.Join(items, " ")
		}
		log.Info().Str("option", opt.Group+"."+opt.Name).Str("value", v).Str("source", cfg.Source(opt.Group, opt.Name)).Msg("option")
	}
	log.Info().Str("option", "paste").Str("value", cfg.Paste).Str("source", "--paste or api_paste_config").Msg("option")
	keys := make([]string, 0, len(cfg.Global))
	for k := range cfg.Global {
		if strings.Contains(k, ".") { // auth_strategy and flavor were logged above
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		log.Info().Str("option", k).Str("value", secrets.Value(k, cfg.Global[k])).Str("source", "--config-file").Msg("option")
	}
}
