package server

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// fakeStrategy records what the supervisor asks of it.
type fakeStrategy struct {
	started  chan struct{}
	reloaded chan struct{}
	events   chan<- event
	stopSig  syscall.Signal
	stopIn   time.Duration
}

func (f *fakeStrategy) start(events chan<- event) error {
	f.events = events
	close(f.started)
	return nil
}
func (f *fakeStrategy) reload(context.Context) { f.reloaded <- struct{}{} }
func (f *fakeStrategy) stop(sig syscall.Signal, deadline time.Duration) error {
	f.stopSig, f.stopIn = sig, deadline
	return errors.New("stopped")
}

// The supervisor reloads on SIGHUP and keeps serving, and drains on
// SIGINT within interruptDeadline even when graceful_shutdown_timeout is
// longer; it returns what stop returned.
func TestSuperviseSignals(t *testing.T) {
	f := &fakeStrategy{started: make(chan struct{}), reloaded: make(chan struct{}, 1)}
	sigs := catchSignals()
	defer sigs.stop()
	done := make(chan error, 1)
	go func() { done <- supervise(zerolog.Nop(), time.Minute, f, nil, sigs, false) }()
	select {
	case <-f.started:
	case <-time.After(10 * time.Second):
		t.Fatal("not started")
	}
	syscall.Kill(syscall.Getpid(), syscall.SIGHUP)
	select {
	case <-f.reloaded:
	case <-time.After(10 * time.Second):
		t.Fatal("SIGHUP did not reload")
	}
	syscall.Kill(syscall.Getpid(), syscall.SIGINT)
	select {
	case err := <-done:
		if err == nil || err.Error() != "stopped" {
			t.Errorf("supervise returned %v, want stop's error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SIGINT did not stop")
	}
	if f.stopSig != syscall.SIGINT || f.stopIn != interruptDeadline {
		t.Errorf("stop(%v, %v), want stop(interrupt, %v)", f.stopSig, f.stopIn, interruptDeadline)
	}
}

// An event that ends the loop (Serve returned) is Run's result.
func TestSuperviseEndsOnEvent(t *testing.T) {
	f := &fakeStrategy{started: make(chan struct{}), reloaded: make(chan struct{}, 1)}
	sigs := catchSignals()
	defer sigs.stop()
	done := make(chan error, 1)
	go func() { done <- supervise(zerolog.Nop(), 0, f, nil, sigs, false) }()
	<-f.started
	want := errors.New("accept failed")
	f.events <- func() (bool, error) { return false, nil }
	f.events <- func() (bool, error) { return true, want }
	select {
	case err := <-done:
		if err != want {
			t.Errorf("supervise returned %v, want %v", err, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the ending event did not end the loop")
	}
}

// slowReload is a strategy whose reload lasts until its context ends
// (a Python pool loading for as long as start_timeout allows).
type slowReload struct {
	fakeStrategy
	reloading chan struct{}
	abandoned chan error
}

func (s *slowReload) reload(ctx context.Context) {
	s.reloading <- struct{}{}
	select {
	case <-ctx.Done():
		s.abandoned <- ctx.Err()
	case <-time.After(time.Minute):
		s.abandoned <- nil
	}
}

// SIGTERM during a reload ends the reload's context, and the drain
// follows at once, with SIGTERM's deadline; a SIGHUP during the start
// (hup) reloads once the strategy serves.
func TestSuperviseSIGTERMAbandonsReload(t *testing.T) {
	f := &slowReload{fakeStrategy: fakeStrategy{started: make(chan struct{})}, reloading: make(chan struct{}, 1), abandoned: make(chan error, 1)}
	sigs := catchSignals()
	defer sigs.stop()
	done := make(chan error, 1)
	go func() { done <- supervise(zerolog.Nop(), time.Minute, f, nil, sigs, true) }()
	select {
	case <-f.reloading:
	case <-time.After(10 * time.Second):
		t.Fatal("a SIGHUP during the start did not reload after it")
	}
	sent := time.Now()
	syscall.Kill(syscall.Getpid(), syscall.SIGTERM)
	select {
	case err := <-done:
		if err == nil || err.Error() != "stopped" {
			t.Errorf("supervise returned %v, want stop's error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM during a reload did not stop within 10 s")
	}
	if d := time.Since(sent); d > time.Second {
		t.Errorf("stopped %v after SIGTERM, during a reload", d)
	}
	if err := <-f.abandoned; err != context.Canceled {
		t.Errorf("the reload's context ended with %v, want it canceled", err)
	}
	if f.stopSig != syscall.SIGTERM || f.stopIn != time.Minute {
		t.Errorf("stop(%v, %v), want stop(terminated, 1m)", f.stopSig, f.stopIn)
	}
}

func TestStopDeadline(t *testing.T) {
	for _, c := range []struct {
		sig            syscall.Signal
		graceful, want time.Duration
	}{
		{syscall.SIGTERM, 0, 0},
		{syscall.SIGTERM, time.Minute, time.Minute},
		{syscall.SIGINT, 0, interruptDeadline},
		{syscall.SIGINT, time.Minute, interruptDeadline},
		{syscall.SIGINT, time.Second, time.Second},
	} {
		if got := stopDeadline(c.sig, c.graceful); got != c.want {
			t.Errorf("stopDeadline(%v, %v) = %v, want %v", c.sig, c.graceful, got, c.want)
		}
	}
}
