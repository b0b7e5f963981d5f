// Command startuptime measures how long pasteserve takes from exec to
// its first 200, and how much memory it holds once idle, for the figures
// in docs/benchmarks.md and issue 12's "start in 20 ms":
//
//	go run ./internal/startuptime [-n 20] [-bin PATH | -cgo] [-paste FILE] [-path /]
//
// Without -bin it builds ./cmd/pasteserve into a temporary directory
// first, as deploy/Containerfile builds the binary it ships: with
// CGO_ENABLED=0, so without libc, which a cgo build maps and holds
// (about 1.4 MiB of RSS idle, measured on 2026-12-02); -cgo builds with
// the environment's cgo setting instead, as a plain go build does.
//
// Each run starts the binary on a free loopback port (--bind), then
// dials and sends GET every -poll (1 ms by default) until a 200 comes
// back: the time from just before exec to the end of that response's
// status line is the start time. A coarser poll (a curl every 10 ms, a
// shell's date and seq in the loop) adds its own interval and process
// starts to the figure, which is what made bench/serve.sh report about
// 100 ms. After the first 200 the server is left alone for -idle (1 s)
// and its VmRSS read from /proc; then it gets SIGTERM, which it must obey
// within 5 s.
//
// One warm-up run (page cache, the first exec of a new file) is not
// counted. The program prints every run and then the median and the 90th
// percentile of each figure.
//
// The start time includes the kernel's exec and the Go runtime's start,
// every package's init (GODEBUG=inittrace=1 lists them), reading and
// parsing the configuration and the paste file, building the pipeline
// and binding the socket: everything a client waiting for the server
// sees.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", 20, "counted `runs` (one warm-up run more)")
	bin := flag.String("bin", "", "the pasteserve `binary` (default: CGO_ENABLED=0 go build ./cmd/pasteserve, as deploy/Containerfile builds it)")
	cgo := flag.Bool("cgo", false, "without -bin, build with cgo as the environment has it, rather than CGO_ENABLED=0")
	paste := flag.String("paste", "testdata/paste/example.ini", "the paste `FILE` to serve")
	path := flag.String("path", "/", "the `PATH` to GET until it answers 200")
	poll := flag.Duration("poll", time.Millisecond, "the `interval` between attempts")
	idle := flag.Duration("idle", time.Second, "how long the server idles before its RSS is read")
	flag.Parse()
	if err := run(*n, *bin, *cgo, *paste, *path, *poll, *idle, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "startuptime:", err)
		os.Exit(1)
	}
}

func run(n int, bin string, cgo bool, paste, path string, poll, idle time.Duration, out io.Writer) error {
	if bin == "" {
		dir, err := os.MkdirTemp("", "startuptime")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		bin = filepath.Join(dir, "pasteserve")
		build := exec.Command("go", "build", "-o", bin, "./cmd/pasteserve")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if !cgo {
			build.Env = append(os.Environ(), "CGO_ENABLED=0")
		}
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build: %w", err)
		}
	}
	var starts, rss []float64
	for i := 0; i <= n; i++ {
		r, err := once(bin, paste, path, poll, idle)
		if err != nil {
			return fmt.Errorf("run %d: %w", i, err)
		}
		if i == 0 {
			fmt.Fprintf(out, "warm-up: first 200 after %.1f ms, RSS idle %.1f MiB (not counted)\n", ms(r.start), r.rssKiB/1024)
			continue
		}
		fmt.Fprintf(out, "run %2d: first 200 after %.1f ms, RSS idle %.1f MiB\n", i, ms(r.start), r.rssKiB/1024)
		starts = append(starts, ms(r.start))
		rss = append(rss, r.rssKiB/1024)
	}
	fmt.Fprintf(out, "start to first 200 (%d runs): median %.1f ms, p90 %.1f ms, min %.1f ms, max %.1f ms\n",
		n, quantile(starts, 0.5), quantile(starts, 0.9), slices.Min(starts), slices.Max(starts))
	fmt.Fprintf(out, "RSS idle after %s (%d runs): median %.1f MiB, p90 %.1f MiB\n", idle, n, quantile(rss, 0.5), quantile(rss, 0.9))
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// quantile returns the q-quantile of xs by the nearest-rank method: for
// 20 runs the median is the 10th smallest and p90 the 18th.
func quantile(xs []float64, q float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(float64(len(s))*q+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

type result struct {
	start  time.Duration
	rssKiB float64
}

// once starts the server, times its first 200, reads its idle RSS and
// stops it.
func once(bin, paste, path string, poll, idle time.Duration) (result, error) {
	addr, err := freePort()
	if err != nil {
		return result{}, err
	}
	var logs strings.Builder
	cmd := exec.Command(bin, "--paste", paste, "--bind", addr, "--log-format", "json")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	// done is closed once Wait has returned, with its error in waitErr.
	done := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(done) }()
	defer func() {
		select {
		case <-done:
		default:
			cmd.Process.Kill()
			<-done
		}
	}()
	var r result
	const limit = 10 * time.Second
	for {
		ok, err := get(addr, path)
		if ok {
			r.start = time.Since(t0)
			break
		}
		select {
		case <-done:
			return r, fmt.Errorf("the server exited (%v) before a 200:\n%s", waitErr, logs.String())
		default:
		}
		if time.Since(t0) > limit {
			return r, fmt.Errorf("no 200 within %s (last: %v):\n%s", limit, err, logs.String())
		}
		time.Sleep(poll)
	}
	time.Sleep(idle)
	if r.rssKiB, err = vmRSS(cmd.Process.Pid); err != nil {
		return r, err
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
		if waitErr != nil {
			return r, fmt.Errorf("after SIGTERM: %v:\n%s", waitErr, logs.String())
		}
	case <-time.After(5 * time.Second):
		return r, fmt.Errorf("still running 5 s after SIGTERM:\n%s", logs.String())
	}
	return r, nil
}

// freePort returns a loopback address that was free a moment ago.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// get sends one GET on a new connection and reports whether the answer's
// status line says 200. A refused connection fails at once, so one
// attempt costs microseconds until the server listens.
func get(addr, path string) (bool, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, addr); err != nil {
		return false, err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return false, err
	}
	if !strings.HasPrefix(line, "HTTP/1.1 200 ") {
		return false, fmt.Errorf("answer %q", strings.TrimSpace(line))
	}
	return true, nil
}

// vmRSS reads a process's resident set size, in KiB.
func vmRSS(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kib float64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%f kB", &kib); err != nil {
				return 0, err
			}
			return kib, nil
		}
	}
	return 0, errors.New("no VmRSS in /proc/" + fmt.Sprint(pid) + "/status")
}
