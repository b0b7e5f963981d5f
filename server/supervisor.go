package server

import (
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/rs/zerolog"
)

// interruptDeadline is how long in-flight requests get after SIGINT
// (Ctrl-C): short, since someone is waiting at a terminal.
const interruptDeadline = 5 * time.Second

// A strategy is how a process serves: by itself (process, also what
// each pre-fork worker runs) or as the master of pre-fork workers
// (master). The supervisor runs either the same way; the strategy says
// only what serving, reloading and stopping mean for it.
type strategy interface {
	// start begins serving, and logs "listening" once it does. The
	// supervisor already catches signals, so none sent from then on is
	// lost. Later happenings the strategy must act on (Serve returned, a
	// worker died) it sends as events.
	start(events chan<- event) error
	// reload applies a new configuration (SIGHUP), or logs why it
	// cannot and keeps serving the previous one.
	reload()
	// stop drains for sig (SIGTERM or SIGINT), up to deadline (0: no
	// limit), and returns Run's result.
	stop(sig syscall.Signal, deadline time.Duration) error
}

// An event is something a strategy's goroutine hands to the supervisor's
// loop, which runs it, so that the strategy's state needs no lock. It
// returns end to stop the loop, and then err is Run's result.
type event func() (end bool, err error)

// supervise runs s until it ends or a signal stops it. It is the one
// place that knows what the signals mean, in both modes:
//
//   - SIGHUP reloads: systemd is told RELOADING=1, then READY=1 again
//     once the strategy has reloaded or given up;
//   - SIGTERM drains, with graceful_shutdown_timeout as the deadline;
//   - SIGINT drains too, within interruptDeadline at most, since
//     someone is waiting at a terminal.
//
// It tells systemd READY=1 once s serves and STOPPING=1 as the drain
// begins, and pings the watchdog meanwhile (workers, which systemd does
// not watch, get none of its variables, so both are no-ops in them).
//
// With a watcher (--reload), a batch of changed files reloads as SIGHUP
// does.
func supervise(log zerolog.Logger, gracefulTimeout time.Duration, s strategy, w *watcher) error {
	defer w.close()
	// Signals are caught before serving so that none is lost in between.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)

	events := make(chan event, 16)
	if err := s.start(events); err != nil {
		return err
	}
	notify(log, daemon.SdNotifyReady)
	stopWatchdog := watchdog(log)
	defer stopWatchdog()

	reload := func() {
		notify(log, daemon.SdNotifyReloading)
		s.reload()
		notify(log, daemon.SdNotifyReady)
	}
	for {
		select {
		case ev := <-events:
			if end, err := ev(); end {
				return err
			}
		case changed := <-w.changes():
			log.Info().Strs("changed", changed).Msg("--reload: files changed; reloading")
			reload()
			w.refresh()
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				reload()
				w.refresh()
				continue
			}
			notify(log, daemon.SdNotifyStopping)
			return s.stop(sig.(syscall.Signal), stopDeadline(sig, gracefulTimeout))
		}
	}
}

// stopDeadline is how long a drain for sig may take: graceful (0: no
// limit) for SIGTERM, at most interruptDeadline for SIGINT.
func stopDeadline(sig os.Signal, graceful time.Duration) time.Duration {
	if sig == syscall.SIGINT && (graceful == 0 || graceful > interruptDeadline) {
		return interruptDeadline
	}
	return graceful
}
