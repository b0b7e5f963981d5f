package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
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

type master struct {
	log      zerolog.Logger
	listener *os.File
	lifeline *os.File // read end, handed to workers; the master keeps the write end
	next     int
	exits    chan *worker
	certs    *tlsSettings // what the newest workers serve; nil without TLS
}

// runMaster runs and supervises the workers until SIGTERM or SIGINT.
func runMaster(cfg *Config, log zerolog.Logger, reg *factory.Registry) error {
	// Fail at start, not in N workers, when the pipeline does not build.
	if err := CheckApp(cfg, reg); err != nil {
		return err
	}
	var certs *tlsSettings // the workers' certificate, to log when a reload changes it
	if cfg.UseSSL {
		var err error
		if certs, err = newTLS(cfg.Options); err != nil {
			return err
		}
	}
	ln, err := listen(context.Background(), cfg.Options, log)
	if err != nil {
		return cfg.positioned(err)
	}
	lf, err := sharedSocket(ln)
	if err != nil {
		return err
	}
	ln.Close() // the file holds its own copy of the socket
	lifeR, lifeW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer lifeW.Close()
	m := &master{log: log, listener: lf, lifeline: lifeR, exits: make(chan *worker, 16), certs: certs}

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)

	workers := map[int]*worker{}
	for i := 0; i < cfg.Workers; i++ {
		w, err := m.start()
		if err != nil {
			m.stopAll(workers, syscall.SIGTERM, cfg.GracefulShutdownTimeout)
			return err
		}
		workers[w.id] = w
	}
	for _, w := range workers {
		if err := m.waitReady(w); err != nil {
			m.stopAll(workers, syscall.SIGTERM, cfg.GracefulShutdownTimeout)
			return err
		}
	}
	log.Info().Str("address", ln.Addr().String()).Str("paste", cfg.Paste).Str("app", cfg.Name).
		Int("workers", cfg.Workers).Int("pid", os.Getpid()).Msg("listening")
	notify(log, daemon.SdNotifyReady)
	stopWatchdog := watchdog(log)
	defer stopWatchdog()

	r := newRespawner()
	for {
		select {
		case w := <-m.exits:
			if _, ours := workers[w.id]; !ours {
				continue // replaced on reload, or stopped on purpose
			}
			delete(workers, w.id)
			lived := time.Since(w.started)
			in := r.died(lived)
			log.Warn().Int("worker_pid", w.cmd.Process.Pid).Str("status", fmt.Sprint(w.err)).Float64("after_seconds", lived.Seconds()).
				Float64("respawn_in_seconds", in.Seconds()).Msg("worker exited; respawning")
		case <-r.timer.C:
			r.at = time.Time{}
			for ; r.missing > 0; r.missing-- {
				w, err := m.start()
				if err != nil {
					log.Error().Err(err).Float64("respawn_in_seconds", r.schedule().Seconds()).Msg("cannot start a worker; retrying")
					break
				}
				workers[w.id] = w
			}
		case sig := <-sigs:
			switch sig {
			case syscall.SIGHUP:
				notify(log, daemon.SdNotifyReloading)
				if n, err := m.reload(cfg, reg, workers); err != nil && n == 0 {
					log.Error().Str("error", errorText(err)).Msg("reload failed; the workers keep serving the previous pipeline")
				} else if err != nil {
					log.Error().Str("error", errorText(err)).Int("new_workers", n).Int("workers", len(workers)).
						Msg("reload failed after some workers were replaced: those (new_workers) serve the new configuration, the others the previous one; fix it and reload again")
				} else {
					r.missing = 0 // the reload started a full set
					log.Info().Int("workers", n).Msg("reloaded: every worker replaced")
				}
				notify(log, daemon.SdNotifyReady)
			default:
				notify(log, daemon.SdNotifyStopping)
				deadline := cfg.GracefulShutdownTimeout
				if sig == syscall.SIGINT && (deadline == 0 || deadline > interruptDeadline) {
					deadline = interruptDeadline
				}
				log.Info().Str("signal", sig.String()).Int("workers", len(workers)).Msg("stopping: draining workers")
				return m.stopAll(workers, sig.(syscall.Signal), deadline)
			}
		}
	}
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

func newRespawner() *respawner {
	r := &respawner{timer: time.NewTimer(time.Hour), wait: minRespawnWait}
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

// start runs one worker.
func (m *master) start() (*worker, error) {
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
	go func() {
		w.err = cmd.Wait()
		close(w.done)
		m.exits <- w
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
		case "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", workerEnv:
			continue
		}
		env = append(env, kv)
	}
	return env
}

// waitReady waits until w serves; a worker that fails first has already
// logged why.
func (m *master) waitReady(w *worker) error {
	select {
	case <-w.ready:
		return nil
	case <-time.After(2 * time.Minute):
		return fmt.Errorf("worker %d did not become ready within 2 minutes", w.cmd.Process.Pid)
	case <-w.done:
		return fmt.Errorf("worker %d exited before it was ready (%v); see its messages above", w.cmd.Process.Pid, w.err)
	}
}

// reload checks that the new configuration builds, then replaces the
// workers one at a time: a new worker is ready before an old one is told
// to drain. It returns how many new workers serve, which on an error is
// fewer than asked for, and may be more than none: the new configuration
// is then served by those, the previous one by the rest.
func (m *master) reload(cfg *Config, reg *factory.Registry, workers map[int]*worker) (started int, err error) {
	next, err := Load(cfg.flags)
	if err != nil {
		return 0, err
	}
	if err := CheckApp(next, reg); err != nil {
		return 0, err
	}
	// Workers read their settings afresh, TLS included: a reload can turn
	// it on or off, or change the certificate. What the new workers serve
	// is logged as soon as one does, even if a later one fails.
	var certs *tlsSettings
	if next.UseSSL {
		if certs, err = newTLS(next.Options); err != nil {
			return 0, err
		}
	}
	defer func() {
		if started > 0 {
			m.newCertificates(certs)
		}
	}()
	for _, name := range restartOnly(cfg.Options, next.Options) {
		if name != "bind_host" && name != "bind_port" && name != "backlog" {
			continue // workers read their own settings afresh
		}
		m.log.Warn().Str("option", name).Msg("option changed; restart to apply it")
	}
	old := make([]*worker, 0, len(workers))
	for _, w := range workers {
		old = append(old, w)
	}
	for i := 0; i < max(next.Workers, len(old)); i++ {
		if i < next.Workers {
			w, err := m.start()
			if err != nil {
				return started, err
			}
			if err := m.waitReady(w); err != nil {
				w.cmd.Process.Kill() // in case it hangs rather than exited
				return started, err
			}
			workers[w.id] = w
			started++
		}
		if i < len(old) {
			delete(workers, old[i].id)
			old[i].cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	return started, nil
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

// stopAll sends sig to every worker and waits for them, up to deadline
// (0: no limit); stragglers are killed.
func (m *master) stopAll(workers map[int]*worker, sig syscall.Signal, deadline time.Duration) error {
	for _, w := range workers {
		w.cmd.Process.Signal(sig)
	}
	var timeout <-chan time.Time
	if deadline > 0 {
		timeout = time.After(deadline)
	}
	var err error
	for _, w := range workers {
		select {
		case <-w.done:
		case <-timeout:
			w.cmd.Process.Kill()
			err = errors.New("graceful shutdown timeout exceeded; workers killed")
		}
	}
	m.log.Info().Msg("stopped")
	return err
}
