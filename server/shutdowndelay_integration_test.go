package server_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// With shutdown_delay, SIGTERM turns /readyz to 503 at once and the
// server goes on accepting and serving for the delay: a client on a new
// connection is answered, where without the delay the listener would
// already be closed (the connection refused, or reset from the accept
// queue). A second SIGTERM cuts the delay short; without one the drain
// begins when the delay is over. Alone and with workers, whose master
// keeps them serving through the delay.
func TestShutdownDelayServesOn(t *testing.T) {
	for _, tc := range []struct {
		name   string
		delay  float64
		args   []string
		second bool // a second SIGTERM ends the delay
	}{
		{"single process, cut short", 30, nil, true},
		{"workers, cut short", 30, []string{"--workers", "2"}, true},
		{"single process, delay over", 1, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fmt.Sprintf("[DEFAULT]\nshutdown_delay = %g\n", tc.delay)
			p := start(t, map[string]string{"api.ini": metricsPaste, "pasteserve.conf": cfg},
				append(tc.args, "--config-file", "pasteserve.conf", "--admin-bind", "127.0.0.1:0")...)
			admin := p.adminAddr(t)
			if c := status(t, "http://"+admin+"/readyz"); c != 200 {
				t.Fatalf("/readyz before = %d", c)
			}
			sent := time.Now()
			p.signal(syscall.SIGTERM)
			became := false
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				if status(t, "http://"+admin+"/readyz") == 503 {
					became = true
					break
				}
			}
			if !became {
				t.Fatalf("/readyz did not turn 503 within 5 s of SIGTERM\n%s", p.eventsText())
			}
			// A new connection, as a balancer that has not yet seen the
			// 503 opens: answered in full.
			fresh := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
			for i := 0; i < 3; i++ {
				resp, err := fresh.Get(p.url("/"))
				if err != nil {
					if tc.delay == 1 && time.Since(sent) > time.Second {
						t.Skipf("the machine took %s to get here, past the 1 s delay: inconclusive", time.Since(sent))
					}
					t.Fatalf("a new connection %s after SIGTERM, within shutdown_delay: %v\n%s", time.Since(sent), err, p.eventsText())
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("a new connection within shutdown_delay: %d %s", resp.StatusCode, body)
				}
			}
			if err := p.waitFor("stopping: /readyz answers 503; serving on until the drain begins", 10*time.Second); err != nil {
				t.Fatalf("%v\n%s", err, p.eventsText())
			}
			if tc.second {
				p.signal(syscall.SIGTERM)
			}
			if err := p.wait(20 * time.Second); err != nil {
				t.Fatalf("exit: %v\n%s", err, p.eventsText())
			}
			took := time.Since(sent)
			switch {
			case tc.second && took > 20*time.Second:
				t.Errorf("a second SIGTERM did not cut the 30 s delay short: exit %s after the first", took)
			case !tc.second && took < time.Duration(tc.delay*float64(time.Second)):
				t.Errorf("exited %s after SIGTERM, before the %g s delay was over", took, tc.delay)
			}
			if tc.second && !strings.Contains(p.logText(), "second signal: the drain begins now") {
				t.Errorf("no line for the second signal\n%s", p.eventsText())
			}
		})
	}
}
