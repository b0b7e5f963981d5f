package server

import (
	"context"
	"errors"
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
	// cannot and keeps serving the previous one. ctx ends when SIGTERM
	// or SIGINT arrives meanwhile: the reload is then abandoned (a
	// Python pool that is loading is stopped), and the previous
	// configuration serves until the drain.
	reload(ctx context.Context)
	// stop drains for sig (SIGTERM or SIGINT), up to deadline (0: no
	// limit), and returns Run's result.
	stop(sig syscall.Signal, deadline time.Duration) error
}

// A delayedStop is a strategy that may go on serving for a while after
// SIGTERM (shutdown_delay): unready makes /readyz answer 503 and returns
// how long to serve on before the drain (0: none).
type delayedStop interface {
	unready() time.Duration
}

// An event is something a strategy's goroutine hands to the supervisor's
// loop, which runs it, so that the strategy's state needs no lock. It
// returns end to stop the loop, and then err is Run's result.
type event func() (end bool, err error)

// signals are the signals the supervisor acts on, caught from the top
// of Run: a start can take seconds (a Python pool loads), and a signal
// that came meanwhile must not have its default effect (SIGHUP and
// SIGTERM end a Go program at once, leaving the pool half made).
type signals struct{ c chan os.Signal }

func catchSignals() *signals {
	s := &signals{c: make(chan os.Signal, 4)}
	signal.Notify(s.c, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	return s
}

func (s *signals) stop() { signal.Stop(s.c) }

// during runs fn, reading the signals until it returns, with a context
// that ends when SIGTERM or SIGINT arrives: what a start or a reload
// runs under, so that a stop does not wait for it. It returns the
// first SIGTERM or SIGINT that came (nil for none), and whether a
// SIGHUP did.
func (s *signals) during(fn func(ctx context.Context)) (stop os.Signal, hup bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(ctx)
	}()
	for {
		select {
		case <-done:
			return stop, hup
		case sig := <-s.c:
			switch {
			case sig == syscall.SIGHUP:
				hup = true
			case stop == nil:
				stop = sig
				cancel()
			}
		}
	}
}

// supervise runs s until it ends or a signal stops it. It is the one
// place that knows what the signals mean, in both modes:
//
//   - SIGHUP reloads: systemd is told RELOADING=1, then READY=1 again
//     once the strategy has reloaded or given up; a SIGHUP during a
//     reload reloads once more after it (the files may have changed
//     after the reload read them), and hup says one came during the
//     start;
//   - SIGTERM drains, with graceful_shutdown_timeout as the deadline;
//   - SIGINT drains too, within interruptDeadline at most, since
//     someone is waiting at a terminal.
//
// Signals are read during a reload too: SIGTERM or SIGINT abandons it
// (a Python pool still loading is stopped), and the drain begins then,
// not when the reload would have finished.
//
// It tells systemd READY=1 once s serves and STOPPING=1 as the drain
// begins, and pings the watchdog meanwhile (workers, which systemd does
// not watch, get none of its variables, so both are no-ops in them).
//
// With a watcher (--reload), a batch of changed files reloads as SIGHUP
// does.
func supervise(log zerolog.Logger, gracefulTimeout time.Duration, s strategy, w *watcher, sigs *signals, hup bool) error {
	defer w.close()
	events := make(chan event, 16)
	if err := s.start(events); err != nil {
		return err
	}
	notify(log, daemon.SdNotifyReady)
	stopWatchdog := watchdog(log)
	defer stopWatchdog()

	// reload reloads, reading signals meanwhile, and returns the
	// SIGTERM or SIGINT that came during it, if one did. Events wait:
	// the strategy's state is the reload's until it returns.
	reload := func() os.Signal {
		notify(log, daemon.SdNotifyReloading)
		for {
			stop, again := sigs.during(s.reload)
			if stop != nil {
				return stop
			}
			w.refresh()
			if !again {
				break
			}
			log.Info().Msg("SIGHUP during the reload: reloading again")
		}
		notify(log, daemon.SdNotifyReady)
		return nil
	}
	var stop os.Signal
	if hup {
		log.Info().Msg("SIGHUP during the start: reloading")
		stop = reload()
	}
	for stop == nil {
		select {
		case ev := <-events:
			if end, err := ev(); end {
				return err
			}
		case changed := <-w.changes():
			log.Info().Strs("changed", changed).Msg("--reload: files changed; reloading")
			stop = reload()
		case sig := <-sigs.c:
			if sig == syscall.SIGHUP {
				stop = reload()
				continue
			}
			stop = sig
		}
	}
	if stop == syscall.SIGTERM {
		if d, ok := s.(delayedStop); ok {
			if end, err := serveOn(log, d.unready(), events, sigs); end {
				return err
			}
		}
	}
	notify(log, daemon.SdNotifyStopping)
	return s.stop(stop.(syscall.Signal), stopDeadline(stop, gracefulTimeout))
}

// serveOn goes on serving for delay after SIGTERM, before the drain
// (shutdown_delay): /readyz already answers 503, so a load balancer that
// checks it stops sending new connections, while the listener still
// accepts those it sends meanwhile. A connection the kernel has queued
// when the listener closes is reset; without the delay, a balancer that
// has not yet seen the 503 sends its next connections into that reset.
// A second SIGTERM or a SIGINT cuts the delay short; a SIGHUP is not
// acted on (the server is stopping). The strategy's events still run:
// end is true when one ends Run, with err its result.
func serveOn(log zerolog.Logger, delay time.Duration, events <-chan event, sigs *signals) (end bool, err error) {
	if delay <= 0 {
		return false, nil
	}
	log.Info().Float64("shutdown_delay_seconds", delay.Seconds()).Msg("stopping: /readyz answers 503; serving on until the drain begins")
	timer := time.NewTimer(delay)
	defer timer.Stop()
	for {
		select {
		case <-timer.C:
			return false, nil
		case ev := <-events:
			if end, err := ev(); end {
				return end, err
			}
		case sig := <-sigs.c:
			if sig != syscall.SIGHUP {
				log.Info().Str("signal", sig.String()).Msg("second signal: the drain begins now")
				return false, nil
			}
			log.Info().Msg("SIGHUP while stopping: not reloading")
		}
	}
}

// stoppedDuringStart is Run's result when SIGTERM or SIGINT came during
// the start: err is the start's own (it was abandoned, or failed just
// then), abandon undoes a start that succeeded all the same. Nothing
// was served, so nothing drains: a clean stop, unless the start failed
// for a reason of its own.
func stoppedDuringStart(log zerolog.Logger, sig os.Signal, err error, abandon func()) error {
	if err == nil {
		abandon()
	} else if !errors.Is(err, context.Canceled) {
		return err
	}
	log.Info().Str("signal", sig.String()).Msg("stopped during the start: nothing was served")
	return nil
}

// stopDeadline is how long a drain for sig may take: graceful (0: no
// limit) for SIGTERM, at most interruptDeadline for SIGINT.
func stopDeadline(sig os.Signal, graceful time.Duration) time.Duration {
	if sig == syscall.SIGINT && (graceful == 0 || graceful > interruptDeadline) {
		return interruptDeadline
	}
	return graceful
}
