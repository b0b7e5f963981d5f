package server

import (
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
func (f *fakeStrategy) reload() { f.reloaded <- struct{}{} }
func (f *fakeStrategy) stop(sig syscall.Signal, deadline time.Duration) error {
	f.stopSig, f.stopIn = sig, deadline
	return errors.New("stopped")
}

// The supervisor reloads on SIGHUP and keeps serving, and drains on
// SIGINT within interruptDeadline even when graceful_shutdown_timeout is
// longer; it returns what stop returned.
func TestSuperviseSignals(t *testing.T) {
	f := &fakeStrategy{started: make(chan struct{}), reloaded: make(chan struct{}, 1)}
	done := make(chan error, 1)
	go func() { done <- supervise(zerolog.Nop(), time.Minute, f, nil) }()
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
	done := make(chan error, 1)
	go func() { done <- supervise(zerolog.Nop(), 0, f, nil) }()
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
