package server_test

import (
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// h2load runs Debian's h2load (nghttp2-client) with args against the
// URL and returns the counts of its summary: requests done, succeeded,
// errored, and responses by status class.
func h2load(t *testing.T, args ...string) map[string]int {
	t.Helper()
	bin, err := exec.LookPath("h2load")
	if err != nil {
		t.Skip("needs h2load (Debian package nghttp2-client)")
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("h2load %v: %v\n%s", args, err, out)
	}
	text := string(out)
	counts := map[string]int{}
	if m := regexp.MustCompile(`requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored`).FindStringSubmatch(text); m != nil {
		for i, k := range []string{"total", "started", "done", "succeeded", "failed", "errored"} {
			counts[k], _ = strconv.Atoi(m[i+1])
		}
	} else {
		t.Fatalf("h2load's summary has no requests line:\n%s", text)
	}
	if m := regexp.MustCompile(`status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx`).FindStringSubmatch(text); m != nil {
		for i, k := range []string{"2xx", "3xx", "4xx", "5xx"} {
			counts[k], _ = strconv.Atoi(m[i+1])
		}
	} else {
		t.Fatalf("h2load's summary has no status codes line:\n%s", text)
	}
	if !strings.Contains(text, "Application protocol: h2c") {
		t.Fatalf("h2load did not speak h2c:\n%s", text)
	}
	return counts
}

// Driven by a real HTTP/2 client (h2load, h2c with prior knowledge),
// streams beyond wsgi_default_pool_size are answered 503 at once and
// the rest served; streams within it are all served; a header past
// max_header_line gets 431 and closes its connection. No stream errors.
func TestH2LoadPoolAndHeaderLimits(t *testing.T) {
	p := start(t, map[string]string{"api.ini": urlmap + apps + local + "wsgi_default_pool_size = 4\nh2c = true\naccess_log = false\n"})
	url := "http://" + p.addr
	// 2 connections × 20 streams of 50 ms against a pool of 4.
	over := h2load(t, "-n", "200", "-c", "2", "-m", "20", url+"/slow?ms=50")
	if over["done"] != 200 || over["errored"] != 0 || over["5xx"] == 0 || over["2xx"] == 0 || over["2xx"]+over["5xx"] != 200 {
		t.Errorf("40 streams at once, pool of 4: %v; want 200 done, some 503, the rest 200, no errors", over)
	}
	// 1 connection × 4 streams: within the pool.
	within := h2load(t, "-n", "100", "-c", "1", "-m", "4", url+"/slow?ms=5")
	if within["2xx"] != 100 || within["errored"] != 0 {
		t.Errorf("4 streams at once, pool of 4: %v; want every one served", within)
	}
	// Ten connections of one stream each: the 431 closes its connection
	// (a GOAWAY), as over HTTP/1.1, and h2load does not reconnect.
	big := h2load(t, "-n", "10", "-c", "10", "-m", "1", "-H", "x-big: "+strings.Repeat("b", 17000), url+"/")
	if big["4xx"] != 10 {
		t.Errorf("a 17 KB header line (max_header_line 16384): %v; want 10 × 431", big)
	}
	t.Logf("over the pool: %v; within: %v; big header: %v", over, within, big)
}
