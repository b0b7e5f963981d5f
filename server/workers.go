package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/pasteserve/pasteserve/bridge"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"
)

// Worker processes. With api_workers = N > 0 the process that was started
// (the master) opens the listening socket, then runs N copies of its own
// binary with the same arguments. Each worker gets three descriptors:
//
//	fd 3: the listening socket, shared by all workers (the kernel spreads
//	      connections among them)
//	fd 4: a pipe on which the worker writes "ready" once it serves
//	fd 5: the lifeline, a pipe the master never writes to; when the master
//	      dies, the worker reads EOF and drains and exits
//
// The master respawns a worker that dies, with backoff; on SIGHUP it
// checks that the new configuration builds, then replaces workers one at a
// time, each new one ready before an old one is told to drain, so no
// request is dropped; on SIGTERM it drains them all.
const (
	workerEnv    = "PASTESERVE_WORKER"
	listenerFD   = 3
	readyFD      = 4
	lifelineFD   = 5
	readyMessage = "ready"
)

func isWorker() bool { return os.Getenv(workerEnv) == "1" }

// workerListener returns the inherited socket in a worker, nil otherwise.
// Accepted connections get TCP keepalive after tcp_keepidle, as in a
// single process.
func workerListener(o Options) (net.Listener, error) {
	if !isWorker() {
		return nil, nil
	}
	f := os.NewFile(listenerFD, "listener")
	ln, err := net.FileListener(f)
	f.Close() // FileListener made its own copy
	if err != nil {
		return nil, fmt.Errorf("worker: inherited socket: %v", err)
	}
	go watchLifeline()
	return keepAliveListener{ln, o.TCPKeepIdle}, nil
}

// sharedSocket returns a copy of the listening socket's descriptor for
// the workers to inherit.
//
// It must not come from the listener's File method. The master and every
// worker share one open file description, and with it one O_NONBLOCK
// flag. A File made by File puts the descriptor in blocking mode when its
// Fd method is called, which exec does for each ExtraFile: every worker
// start made the shared socket blocking until the new worker set it back.
// A worker whose accept ran in that window (another process took the
// connection) stayed blocked inside accept(2), where closing the listener
// cannot reach it: the next drain hung in Close until some client
// happened to connect. A descriptor given to os.NewFile, as here, keeps
// its mode.
func sharedSocket(ln net.Listener) (*os.File, error) {
	if k, ok := ln.(keepAliveListener); ok {
		ln = k.Listener
	}
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("listener %T cannot be passed to workers", ln)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	var fd int
	var dupErr error
	if err := rc.Control(func(s uintptr) { fd, dupErr = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return nil, err
	}
	if dupErr != nil {
		return nil, fmt.Errorf("listener for workers: %v", dupErr)
	}
	return os.NewFile(uintptr(fd), "listener"), nil
}

// workerReady tells the master that this worker serves.
func workerReady() {
	if !isWorker() {
		return
	}
	f := os.NewFile(readyFD, "ready")
	fmt.Fprintln(f, readyMessage)
	f.Close()
}

// watchLifeline drains this worker when the master is gone.
func watchLifeline() {
	f := os.NewFile(lifelineFD, "lifeline")
	buf := make([]byte, 1)
	for {
		if _, err := f.Read(buf); err != nil {
			syscall.Kill(os.Getpid(), syscall.SIGTERM)
			return
		}
	}
}

type worker struct {
	id      int
	cmd     *exec.Cmd
	started time.Time
	ready   chan struct{} // closed when the worker says it serves
	done    chan struct{} // closed when the process has exited
	err     error         // its exit status, once done
}

// master is the strategy of the process that runs pre-fork workers: it
// serves through them, and only it talks to systemd.
type master struct {
	cfg      *Settings // as started; a reload compares against it
	log      zerolog.Logger
	reg      *factory.Registry
	addr     net.Addr
	listener *os.File
	lifeline *os.File // read end, handed to workers; the master keeps the write end
	lifeW    *os.File
	next     int
	events   chan<- event // the supervisor's; set by start
	workers  map[int]*worker
	// retiring are the workers a reload replaced and told to drain,
	// until they exit: a stop waits for them too.
	retiring map[int]*worker
	respawn  *respawner
	certs    *tlsSettings // what the newest workers serve; nil without TLS
	// gen is the Python side the newest workers reach: the one pool,
	// which the master owns (a check of the Go side, nothing served);
	// its client's Env goes to every worker started from now on.
	gen     *generation
	retired retirer // the pools of configurations a reload replaced

	// With admin_bind: the admin listener, what /readyz answers, and
	// the gatherer that sums the workers' metrics (aggregate.go).
	admin *adminServer
	ready *readiness
	agg   *aggregator
}

// runMaster runs and supervises the workers until SIGTERM or SIGINT.
// A SIGTERM or SIGINT while the master loads abandons the start (the
// pool that is loading is stopped); a SIGHUP reloads once the workers
// serve.
func runMaster(cfg *Settings, log zerolog.Logger, reg *factory.Registry, sigs *signals) error {
	var m *master
	var err error
	stop, hup := sigs.during(func(ctx context.Context) { m, err = newMaster(ctx, cfg, log, reg) })
	if stop != nil {
		return stoppedDuringStart(log, stop, err, func() { m.abandon() })
	}
	if err != nil {
		return err
	}
	defer m.lifeW.Close()
	return supervise(log, cfg.GracefulShutdownTimeout, m, newWatcher(cfg, reg, log), sigs, hup)
}

// newMaster checks the app and opens the socket the workers will share:
// everything that can fail before a worker starts.
//
// With Python parts, the master starts their one pool and has it load
// them before it opens the socket: a worker is started only once the
// pool it reaches serves. ctx ends the start early (SIGTERM meanwhile).
func newMaster(ctx context.Context, cfg *Settings, log zerolog.Logger, reg *factory.Registry) (_ *master, err error) {
	m := &master{cfg: cfg, log: log, reg: reg, workers: map[int]*worker{}, retiring: map[int]*worker{}, retired: retirer{log: log}}
	// The admin listener opens first, so that /livez answers (and
	// /readyz says "starting") while the Python pool loads.
	if cfg.AdminBind != "" {
		if m.agg, err = newAggregator(log); err != nil {
			return nil, err
		}
		m.ready = &readiness{}
		servingConfig(cfg)
		if m.admin, err = startAdmin(cfg, adminHandler(m.agg, m.ready, cfg.AdminPprof, log), log); err != nil {
			m.agg.close()
			return nil, err
		}
		defer func() {
			if err != nil {
				m.admin.close()
				m.agg.close()
			}
		}()
	}
	// Fail at start, not in N workers, when the pipeline does not build.
	gen, err := loadGeneration(ctx, cfg, reg, log, checkOnly)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			gen.stopNow(log)
		}
	}()
	m.gen = gen
	if cfg.UseSSL {
		// The workers' certificate, to log when a reload changes it.
		var err error
		if m.certs, err = newTLS(cfg.Options); err != nil {
			return nil, err
		}
	}
	ln, err := listen(ctx, cfg.Options, log)
	if err != nil {
		return nil, cfg.positioned(err)
	}
	m.addr = ln.Addr()
	m.listener, err = sharedSocket(ln)
	ln.Close() // the file holds its own copy of the socket
	if err != nil {
		return nil, err
	}
	if m.lifeline, m.lifeW, err = os.Pipe(); err != nil {
		return nil, err
	}
	return m, nil
}

// abandon undoes newMaster, for a start that a signal stopped before
// any worker ran.
func (m *master) abandon() {
	m.listener.Close()
	m.lifeline.Close()
	m.lifeW.Close()
	m.gen.stopNow(m.log)
	m.admin.close()
	m.agg.close()
}

func (m *master) start(events chan<- event) error {
	m.events = events
	m.respawn = newRespawner(func() { events <- m.respawnRound })
	fail := func(err error) error {
		m.stopAll(syscall.SIGTERM, m.cfg.GracefulShutdownTimeout)
		m.gen.stopNow(m.log) // no worker reaches the pool
		return err
	}
	for i := 0; i < m.cfg.Workers; i++ {
		w, err := m.start1()
		if err != nil {
			return fail(err)
		}
		m.workers[w.id] = w
	}
	for _, w := range m.workers {
		if err := m.waitReady(context.Background(), w); err != nil {
			return fail(err)
		}
	}
	m.log.Info().Str("address", m.addr.String()).Str("paste", m.cfg.Paste).Str("app", m.cfg.Name).
		Int("workers", m.cfg.Workers).Int("pid", os.Getpid()).Msg("listening")
	m.ready.set(stateReady)
	return nil
}

// exited handles a worker's exit, on the supervisor's loop: one of the
// set is respawned, after the respawner's wait.
func (m *master) exited(w *worker) (bool, error) {
	if _, ours := m.workers[w.id]; !ours {
		delete(m.retiring, w.id) // replaced on reload, or stopped on purpose
		return false, nil
	}
	delete(m.workers, w.id)
	lived := time.Since(w.started)
	in := m.respawn.died(lived)
	m.log.Warn().Int("worker_pid", w.cmd.Process.Pid).Str("status", fmt.Sprint(w.err)).Float64("after_seconds", lived.Seconds()).
		Float64("respawn_in_seconds", in.Seconds()).Msg("worker exited; respawning")
	return false, nil
}

// respawnRound starts the workers that died since the last round, on the
// supervisor's loop.
func (m *master) respawnRound() (bool, error) {
	r := m.respawn
	r.at = time.Time{}
	for ; r.missing > 0; r.missing-- {
		w, err := m.start1()
		if err != nil {
			m.log.Error().Err(err).Float64("respawn_in_seconds", r.schedule().Seconds()).Msg("cannot start a worker; retrying")
			break
		}
		m.workers[w.id] = w
		workerRestarts.Inc()
	}
	return false, nil
}

func (m *master) reload(ctx context.Context) {
	n, err := m.rollingReload(ctx)
	if ctx.Err() == nil {
		countReload(m.cfg, err) // the hash of the files as they are now
	}
	if err != nil && ctx.Err() != nil {
		m.log.Warn().Str("error", errorText(err)).Int("new_workers", n).Int("workers", len(m.workers)).Msg("reload abandoned: stopping")
	} else if err != nil && n == 0 {
		m.log.Error().Str("error", errorText(err)).Msg("reload failed; the workers keep serving the previous pipeline")
	} else if err != nil {
		m.log.Error().Str("error", errorText(err)).Int("new_workers", n).Int("workers", len(m.workers)).
			Msg("reload failed after some workers were replaced: those (new_workers) serve the new configuration, the others the previous one; fix it and reload again")
	} else {
		m.respawn.missing = 0 // the reload started a full set
		m.log.Info().Int("workers", n).Msg("reloaded: every worker replaced")
	}
}

// stop drains the workers, then stops the Python pool with what remains
// of the deadline: the workers' requests may be in it.
//
// /readyz turns 503 first; the admin listener closes last.
// unready is delayedStop's: /readyz answers 503 from now on, while the
// workers, which have not been told yet, go on serving.
func (m *master) unready() time.Duration {
	m.ready.set(stateDraining)
	return m.cfg.ShutdownDelay
}

func (m *master) stop(sig syscall.Signal, deadline time.Duration) error {
	m.ready.set(stateDraining)
	defer m.agg.close()
	defer m.admin.close()
	start := time.Now()
	m.log.Info().Str("signal", sig.String()).Int("workers", len(m.workers)).Int("replaced_workers_draining", len(m.retiring)).Msg("stopping: draining workers")
	err := m.stopAll(sig, deadline)
	if m.gen.pool != nil {
		if perr := m.gen.pool.Stop(remaining(deadline, start)); perr != nil {
			m.log.Warn().Err(perr).Msg("python pool stopped")
		} else {
			m.log.Info().Msg("python pool stopped")
		}
	}
	m.retired.stopAll(remaining(deadline, start))
	return err
}

// The wait before respawning a dead worker starts at minRespawnWait and
// doubles with each round of respawns, up to maxRespawnWait; it goes back
// to the minimum when a worker that lived longer than stableWorker dies.
// A worker that dies at start (a broken database, a full disk) is thus
// retried quickly at first and then every 30 s, not in a busy loop.
const (
	minRespawnWait = 100 * time.Millisecond
	maxRespawnWait = 30 * time.Second
	stableWorker   = time.Minute
)

// respawner schedules rounds of respawns. Workers that die while a round
// is pending are started with it.
type respawner struct {
	timer   *time.Timer
	wait    time.Duration // the next round's wait
	at      time.Time     // when the pending round fires; zero if none
	missing int           // workers to start
}

// newRespawner returns a respawner that calls round when a round is due
// (on the timer's goroutine: round hands the work to the supervisor).
func newRespawner(round func()) *respawner {
	r := &respawner{timer: time.AfterFunc(time.Hour, round), wait: minRespawnWait}
	r.timer.Stop()
	return r
}

// died counts a worker that died after living for lived, and returns how
// long until it is respawned.
func (r *respawner) died(lived time.Duration) time.Duration {
	if lived > stableWorker {
		r.wait = minRespawnWait
	}
	r.missing++
	return r.schedule()
}

// schedule starts a round unless one is pending, and returns how long
// until the round fires.
func (r *respawner) schedule() time.Duration {
	if !r.at.IsZero() {
		return time.Until(r.at)
	}
	in := r.wait
	r.at = time.Now().Add(in)
	r.timer.Reset(in)
	r.wait = min(2*r.wait, maxRespawnWait)
	return in
}

// start1 runs one worker.
func (m *master) start1() (*worker, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	m.next++
	w := &worker{id: m.next, ready: make(chan struct{}), done: make(chan struct{}), started: time.Now()}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(workerEnviron(), workerEnv+"=1")
	if m.gen.client != nil {
		cmd.Env = append(cmd.Env, m.gen.client.Env()...)
	}
	if m.agg != nil {
		cmd.Env = append(cmd.Env, m.agg.env(w.id)...)
	}
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{m.listener, readyW, m.lifeline}
	// A worker must not outlive the master even if the master is killed
	// with SIGKILL: the lifeline covers that, Pdeathsig is a second guard.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		readyR.Close()
		readyW.Close()
		return nil, fmt.Errorf("start worker: %v", err)
	}
	readyW.Close()
	w.cmd = cmd
	if m.agg != nil {
		m.agg.started(w.id, cmd.Process.Pid)
	}
	go func() {
		w.err = cmd.Wait()
		if m.agg != nil {
			m.agg.exited(w.id)
		}
		close(w.done)
		m.events <- func() (bool, error) { return m.exited(w) }
	}()
	go func() {
		defer readyR.Close()
		if line, err := bufio.NewReader(readyR).ReadString('\n'); err == nil && line == readyMessage+"\n" {
			close(w.ready)
		}
	}()
	m.log.Info().Int("worker_pid", cmd.Process.Pid).Msg("worker started")
	return w, nil
}

// workerEnviron is the master's environment without what systemd meant
// for the master alone. The master is the service's main process: it
// sends READY, RELOADING and STOPPING and pings the watchdog for the
// whole service. Workers must not: systemd drops their messages by
// default (NotifyAccess=main) and, with NotifyAccess=all, a worker
// drained in a rolling reload would tell it that the service is stopping.
func workerEnviron() []string {
	var env []string
	for _, kv := range os.Environ() {
		switch name, _, _ := strings.Cut(kv, "="); name {
		case "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", workerEnv, bridge.EnvSocket, bridge.EnvKey:
			continue
		}
		env = append(env, kv)
	}
	return env
}

// waitReady waits until w serves, or ctx ends; a worker that fails
// first has already logged why.
func (m *master) waitReady(ctx context.Context, w *worker) error {
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("worker %d: %w", w.cmd.Process.Pid, ctx.Err())
	case <-time.After(2 * time.Minute):
		return fmt.Errorf("worker %d did not become ready within 2 minutes", w.cmd.Process.Pid)
	case <-w.done:
		return fmt.Errorf("worker %d exited before it was ready (%v); see its messages above", w.cmd.Process.Pid, w.err)
	}
}

// rollingReload checks that the new configuration builds, then replaces the
// workers one at a time: a new worker is ready before an old one is told
// to drain. It returns how many new workers serve, which on an error is
// fewer than asked for, and may be more than none: the new configuration
// is then served by those, the previous one by the rest.
func (m *master) rollingReload(ctx context.Context) (started int, err error) {
	cfg, workers := m.cfg, m.workers
	old := make([]*worker, 0, len(workers))
	next, err := LoadSettings(cfg.flags)
	if err != nil {
		return 0, err
	}
	// The new configuration's Python pool, loaded beside the old one;
	// the workers started from now on reach it.
	gen, err := loadGeneration(ctx, next, m.reg, m.log, checkOnly)
	if err != nil {
		return 0, err
	}
	// Workers read their settings afresh, TLS included: a reload can turn
	// it on or off, or change the certificate. What the new workers serve
	// is logged as soon as one does, even if a later one fails.
	var certs *tlsSettings
	if next.UseSSL {
		if certs, err = newTLS(next.Options); err != nil {
			gen.stopNow(m.log)
			return 0, err
		}
	}
	prev := m.gen
	m.gen = gen
	defer func() {
		if started == 0 {
			// No worker reaches the new pool: the old one serves on.
			m.gen = prev
			gen.stopNow(m.log)
			return
		}
		m.newCertificates(certs)
		// The old pool serves the old workers until the last of them
		// has drained and exited.
		// The old workers drain within the same deadline, log what
		// they cut off, and exit: the pool's bound comes after theirs.
		bound := next.GracefulShutdownTimeout
		if bound > 0 {
			bound += workerLastWords
		}
		m.retired.retire(prev, func() bool { return allExited(old) }, nil, bound)
	}()
	for _, name := range restartOnly(cfg.Options, next.Options) {
		if name != "bind_host" && name != "bind_port" && name != "backlog" && !strings.HasPrefix(name, "admin_") {
			continue // workers read their own settings afresh
		}
		m.log.Warn().Str("option", name).Msg("option changed; restart to apply it")
	}
	for _, w := range workers {
		old = append(old, w)
	}
	for i := 0; i < max(next.Workers, len(old)); i++ {
		if i < next.Workers {
			w, err := m.start1()
			if err != nil {
				return started, err
			}
			if err := m.waitReady(ctx, w); err != nil {
				w.cmd.Process.Kill() // in case it hangs rather than exited
				return started, err
			}
			workers[w.id] = w
			started++
		}
		if i < len(old) {
			delete(workers, old[i].id)
			m.retiring[old[i].id] = old[i]
			old[i].cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	return started, nil
}

// allExited reports whether every worker of ws has exited.
func allExited(ws []*worker) bool {
	for _, w := range ws {
		select {
		case <-w.done:
		default:
			return false
		}
	}
	return true
}

// newCertificates logs what TLS the workers started by a reload serve
// (certs; nil without TLS) when it differs from before, and records it.
func (m *master) newCertificates(certs *tlsSettings) {
	if certs == nil && m.certs != nil {
		m.log.Info().Msg("TLS turned off: new workers serve plain HTTP")
	}
	logCertificateChange(m.log, m.certs.certificate(), certs.certificate())
	m.certs = certs
}

// workerLastWords is how long past the shutdown deadline the master
// waits for a worker before it kills it. A worker drains to the same
// deadline, cuts off what is still in progress, and then writes its last
// lines out of the asynchronous log writer: killed at the deadline, it
// would lose them, and with them the count of requests it cut off.
const workerLastWords = 2 * time.Second

// stopAll sends sig to every worker and waits for them, and for those a
// reload replaced that still drain, up to deadline (0: no limit) and
// workerLastWords more; stragglers are killed.
//
// The master exits only after the last of them. A worker still draining
// when it exits would be left serving outside its supervision (systemd
// takes the service for stopped once its main process has exited, and
// with KillMode=mixed kills what is left), and would be sent SIGTERM by
// the lifeline and Pdeathsig at the moment the master goes: one that
// has just finished its drain has its signal handlers reset by then, and
// dies of it before its log writer has written out its last lines (its
// last access lines and its "stopped"), which the master's SIGTERM
// right after a SIGHUP lost in a test.
func (m *master) stopAll(sig syscall.Signal, deadline time.Duration) error {
	workers := make([]*worker, 0, len(m.workers)+len(m.retiring))
	for _, w := range m.workers {
		w.cmd.Process.Signal(sig)
		workers = append(workers, w)
	}
	for _, w := range m.retiring {
		workers = append(workers, w) // told to drain already
	}
	var timeout <-chan time.Time
	if deadline > 0 {
		timeout = time.After(deadline + workerLastWords)
	}
	var err error
	for _, w := range workers {
		if err == nil {
			select {
			case <-w.done:
				continue
			case <-timeout:
				// Fires once: the workers after this one are killed
				// if they have not exited by now.
				err = errors.New("graceful shutdown timeout exceeded; workers killed")
			}
		}
		select {
		case <-w.done:
		default:
			w.cmd.Process.Kill()
		}
	}
	m.log.Info().Msg("stopped")
	return err
}
