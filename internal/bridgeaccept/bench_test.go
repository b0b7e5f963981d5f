package bridgeaccept

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pasteserve/pasteserve/internal/keystonetest"
)

// benchServer is one server of the speed run.
type benchServer struct {
	name, what string
	auth       bool // requests carry the token
	argv       []string
	env        []string
	url        string
	proc       *process
	runs       []benchResult
}

// rootName names the process the server was started as: pasteserve
// (the rest is its Python pool), or gunicorn's master (the rest is its
// workers).
func (s *benchServer) rootName() string {
	if slices.Contains(s.argv, "--python") || s.name == "h" {
		return "Go"
	}
	return "master"
}

// benchResult is one wrk run against one server.
type benchResult struct {
	requests   int
	non2xx     int
	sockErrors int
	rps        float64
	p50, p99   time.Duration
	cpuPerReq  time.Duration // the server's processes, all of them
	rootPerReq time.Duration // of which the process started (pasteserve; gunicorn's master)
	othersCPUs float64       // cores the rest of the machine kept busy
}

// TestBridgeSpeed is the bridge's speed run (issue 13, "Speed";
// bench/bridge.sh runs it and docs/benchmarks.md has its figures). It
// runs only when PASTESERVE_BRIDGE_BENCH is set. Side by side, in
// alternating order each round, wrk against
//
//	a  the trivial app (testdata/bench/benchapp.py) under gunicorn alone
//	h  the same gunicorn behind a plain httputil.ReverseProxy over a unix
//	   socket (runHop): the floor of any bridge that speaks HTTP to it
//	b  the same app behind Go's request_id and http_proxy_to_wsgi,
//	   reached through pasteserve's bridge
//	c  b with Go's auth_token in front (cached token, real Keystone)
//	d  b with keystonemiddleware's auth_token in the Python pipeline
//	e  keystonemiddleware's auth_token and the app under gunicorn alone
//
// with the same gunicorn workers and threads everywhere. Per run: wrk's
// requests/s, p50 and p99, and the CPU per request of every process of
// the server (the process, its descendants, and the descendants they
// reaped), from /proc, read before wrk starts and 0.3 s after it ends.
// BENCH_SECONDS (default 5), BENCH_ROUNDS (3), BENCH_CONNS (8, wrk's
// connections: the workers x threads the Python side serves at once),
// BENCH_WORKERS (2) and BENCH_THREADS (4) size it; PIN=1 runs the
// servers on CPU 0 and wrk on CPU 1.
func TestBridgeSpeed(t *testing.T) {
	if os.Getenv("PASTESERVE_BRIDGE_BENCH") == "" {
		t.Skip("the bridge's speed run; bench/bridge.sh runs it (PASTESERVE_BRIDGE_BENCH=1)")
	}
	secs, rounds, conns := envInt(t, "BENCH_SECONDS", 5, 600), envInt(t, "BENCH_ROUNDS", 3, 50), envInt(t, "BENCH_CONNS", 8, 1024)
	workers, threads := envInt(t, "BENCH_WORKERS", 2, 64), envInt(t, "BENCH_THREADS", 4, 256)
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk is not on PATH: apt-get install -y --no-install-recommends wrk to run the speed run")
	}
	skipUnlessPython(t, "the bridge's speed", "python3-gunicorn python3-oslo.middleware python3-keystonemiddleware python3-pastedeploy",
		"gunicorn.app.base", "oslo_middleware", "keystonemiddleware.auth_token", "paste.deploy")
	var serverCPU, clientCPU []string
	if os.Getenv("PIN") == "1" {
		if _, err := exec.LookPath("taskset"); err != nil {
			t.Fatal("PIN=1 needs taskset (util-linux)")
		}
		serverCPU, clientCPU = []string{"taskset", "-c", "0"}, []string{"taskset", "-c", "1"}
	}

	dir := t.TempDir()
	appDir, _ := filepath.Abs("testdata/bench")
	src, err := os.ReadFile(filepath.Join(appDir, "bench.ini"))
	if err != nil {
		t.Fatal(err)
	}
	paste := filepath.Join(dir, "bench.ini")
	conf := filepath.Join(dir, "bench.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("[python]\nworkers = %d\nthreads = %d\npath = %s\n", workers, threads, appDir)), 0o644)
	pyEnv := []string{"PYTHONPATH=" + appDir, "PYTHONDONTWRITEBYTECODE=1", "PYTHONWARNINGS=ignore"}
	gunicorn := func(section string) []string {
		return append(slices.Clone(serverCPU), python, "-m", "gunicorn", "--worker-class", "gthread",
			"--workers", strconv.Itoa(workers), "--threads", strconv.Itoa(threads), "--paste", paste+"#"+section)
	}
	viaBridge := func(name string) []string {
		return append(slices.Clone(serverCPU), pasteserve, "--paste", paste, "--name", name,
			"--python", python, "--config-file", conf)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The hop is this test binary, run with its spec in hopEnv (TestMain).
	sock := filepath.Join(dir, "hop.sock")
	hopConf := hopSpec{Gunicorn: append(gunicorn("app")[len(serverCPU):], "--bind", "unix:"+sock), Socket: sock}
	servers := []*benchServer{
		{name: "a", what: "gunicorn alone: the app", argv: gunicorn("app")},
		{name: "h", what: "a plain Go httputil.ReverseProxy over a unix socket -> gunicorn -> app (the floor of an HTTP bridge)", argv: append(slices.Clone(serverCPU), self)},
		{name: "b", what: "pasteserve: Go request_id, http_proxy_to_wsgi -> bridge -> app", argv: viaBridge("plain")},
		{name: "c", what: "pasteserve: b + Go auth_token", auth: true, argv: viaBridge("goauth")},
		{name: "d", what: "pasteserve: b + Python auth_token (keystonemiddleware)", auth: true, argv: viaBridge("pyauth")},
		{name: "e", what: "gunicorn alone: Python auth_token + the app", auth: true, argv: gunicorn("authonly")},
	}
	if only := os.Getenv("BENCH_ONLY"); only != "" {
		servers = slices.DeleteFunc(servers, func(s *benchServer) bool { return !strings.Contains(only, s.name) })
	}
	// Keystone only where a token is checked.
	keystoneURL, token := "http://127.0.0.1:1/v3", ""
	if slices.ContainsFunc(servers, func(s *benchServer) bool { return s.auth }) {
		keystonetest.SkipUnlessInstalled(t, "auth_token's cost")
		ks := keystonetest.Start(t)
		admin := ks.Password(t, "admin", keystonetest.AdminPassword, "admin")
		adminRole := ks.EnsureRole(t, admin, "admin")
		member := ks.EnsureRole(t, admin, "member")
		service := ks.Create(t, admin, "projects", map[string]any{"name": "service", "domain_id": "default"})
		demo := ks.Create(t, admin, "projects", map[string]any{"name": "demo", "domain_id": "default"})
		svcUser := ks.Create(t, admin, "users", map[string]any{"name": "bench", "password": "bench-s3cret", "domain_id": "default"})
		user := ks.Create(t, admin, "users", map[string]any{"name": "alice", "password": "alice-s3cret", "domain_id": "default"})
		ks.Assign(t, admin, service, svcUser, adminRole)
		ks.Assign(t, admin, demo, user, member)
		token = ks.Password(t, "alice", "alice-s3cret", "demo")
		keystoneURL = ks.URL
	}
	os.WriteFile(paste, []byte(strings.ReplaceAll(string(src), "@KEYSTONE_URL@", keystoneURL)), 0o644)
	for _, s := range servers {
		port := freePort(t)
		s.url = fmt.Sprintf("http://127.0.0.1:%d/", port)
		if s.name == "h" {
			hopConf.Listen = fmt.Sprintf("127.0.0.1:%d", port)
			b, _ := json.Marshal(hopConf)
			s.env = []string{hopEnv + "=" + string(b)}
		} else {
			s.argv = append(s.argv, "--bind", fmt.Sprintf("127.0.0.1:%d", port))
		}
		s.proc = run(t, "server-"+s.name, dir, append(slices.Clone(pyEnv), s.env...), s.argv...)
	}
	for _, s := range servers {
		waitHTTP(t, s.proc, s.url, map[bool]int{false: 200, true: 401}[s.auth], 90*time.Second)
		var h []string
		if s.auth {
			h = []string{"X-Auth-Token", token}
		}
		if r := do(t, "GET", s.url, nil, h...); r.status != 200 || r.body != "{\"ok\": true}\n" {
			t.Fatalf("%s (%s): GET / = %d %q", s.name, s.what, r.status, r.body)
		}
	}

	fmt.Printf("bridge speed run: %d rounds of %d s, wrk -t1 -c%d --latency; Python %d workers x %d threads (gthread); PIN=%s; %d CPUs, load average %s\n",
		rounds, secs, conns, workers, threads, os.Getenv("PIN"), numCPU(), loadavg())
	for _, s := range servers {
		fmt.Printf("  %s  %s\n", s.name, s.what)
	}
	// One warm-up run each: Python's imports and first calls, every
	// worker's keystonemiddleware cache, Go's token cache.
	for _, s := range servers {
		wrk(t, clientCPU, s, token, 1, conns)
	}
	for round := 0; round < rounds; round++ {
		order := slices.Clone(servers)
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, s := range order {
			r := wrk(t, clientCPU, s, token, secs, conns)
			s.runs = append(s.runs, r)
			flag := ""
			if r.non2xx > 0 || r.sockErrors > 0 {
				flag = "  <- FAILED REQUESTS"
				t.Errorf("%s: %d non-2xx answers, %d socket errors", s.name, r.non2xx, r.sockErrors)
			}
			fmt.Printf("round %d %s: %6.0f req/s  p50 %7s  p99 %7s  %6d requests  CPU/req %6.1f us (%s %5.1f, rest %5.1f)  others %.2f CPUs%s\n",
				round+1, s.name, r.rps, r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), r.requests, us(r.cpuPerReq), s.rootName(), us(r.rootPerReq), us(r.cpuPerReq-r.rootPerReq), r.othersCPUs, flag)
		}
	}

	med := func(s *benchServer, f func(benchResult) float64) float64 {
		var v []float64
		for _, r := range s.runs {
			v = append(v, f(r))
		}
		return median(v)
	}
	cpu := func(r benchResult) float64 { return us(r.cpuPerReq) }
	rps := func(r benchResult) float64 { return r.rps }
	fmt.Println("medians over rounds:")
	for _, s := range servers {
		fmt.Printf("  %s: %6.0f req/s  p50 %6.2f ms  p99 %6.2f ms  CPU/req %6.1f us (%s %5.1f, rest %5.1f)\n", s.name, med(s, rps),
			med(s, func(r benchResult) float64 { return ms(r.p50) }), med(s, func(r benchResult) float64 { return ms(r.p99) }), med(s, cpu),
			s.rootName(), med(s, func(r benchResult) float64 { return us(r.rootPerReq) }), med(s, func(r benchResult) float64 { return us(r.cpuPerReq - r.rootPerReq) }))
	}
	// Ratios are medians of the per-round ratios: a drift in the
	// machine's speed during the run hits both servers of a round alike.
	ratio := func(x, y *benchServer, f func(benchResult) float64) float64 {
		var v []float64
		for i := range x.runs {
			v = append(v, f(x.runs[i])/f(y.runs[i]))
		}
		return median(v)
	}
	diff := func(x, y *benchServer, f func(benchResult) float64) float64 {
		var v []float64
		for i := range x.runs {
			v = append(v, f(x.runs[i])-f(y.runs[i]))
		}
		return median(v)
	}
	by := map[string]*benchServer{}
	for _, s := range servers {
		by[s.name] = s
	}
	a, b, c, d, e := by["a"], by["b"], by["c"], by["d"], by["e"]
	p50 := func(r benchResult) float64 { return ms(r.p50) }
	p99 := func(r benchResult) float64 { return ms(r.p99) }
	if a != nil && b != nil {
		fmt.Printf("b/a: CPU per request %.3fx (target <= 1.15), requests/s %.3fx, p50 %.3fx, p99 %.3fx\n",
			ratio(b, a, cpu), ratio(b, a, rps), ratio(b, a, p50), ratio(b, a, p99))
	}
	if h := by["h"]; h != nil && a != nil {
		fmt.Printf("h/a: CPU per request %.3fx, requests/s %.3fx: the HTTP hop alone (Go's part %.1f us)\n",
			ratio(h, a, cpu), ratio(h, a, rps), med(h, func(r benchResult) float64 { return us(r.rootPerReq) }))
		if b != nil {
			fmt.Printf("b/h: CPU per request %.3fx, %+.1f us: what pasteserve adds to the hop (its layers, the filters, the carrier, the dispatcher)\n",
				ratio(b, h, cpu), diff(b, h, cpu))
		}
	}
	if b != nil && c != nil && d != nil {
		fmt.Printf("auth_token's CPU a request (cached token): Go's (c-b) %+.1f us, Python's in the bridge (d-b) %+.1f us\n", diff(c, b, cpu), diff(d, b, cpu))
		fmt.Printf("Go's auth_token saves (d-c) %.1f us of CPU a request: d/c %.3fx; requests/s c/d %.3fx, p50 d/c %.3fx\n",
			diff(d, c, cpu), ratio(d, c, cpu), ratio(c, d, rps), ratio(d, c, p50))
	}
	if a != nil && e != nil {
		fmt.Printf("Python's auth_token under gunicorn alone (e-a): %+.1f us of CPU a request, requests/s e/a %.3fx\n", diff(e, a, cpu), ratio(e, a, rps))
	}
}

// wrk runs wrk against s for secs seconds and measures s's processes.
func wrk(t *testing.T, clientCPU []string, s *benchServer, token string, secs, conns int) benchResult {
	t.Helper()
	argv := append(slices.Clone(clientCPU), "wrk", "-t1", fmt.Sprintf("-c%d", conns), fmt.Sprintf("-d%ds", secs), "--latency")
	if s.auth {
		argv = append(argv, "-H", "X-Auth-Token: "+token)
	}
	argv = append(argv, s.url)
	pid := s.proc.cmd.Process.Pid
	busy0, start0 := machineBusy(), time.Now()
	t0, r0 := treeTicks(pid)
	cmd := exec.Command(argv[0], argv[1:]...)
	timer := time.AfterFunc(time.Duration(secs+30)*time.Second, func() { cmd.Process.Kill() })
	out, err := cmd.CombinedOutput()
	timer.Stop()
	if err != nil {
		t.Fatalf("wrk against %s: %v\n%s", s.name, err, out)
	}
	time.Sleep(300 * time.Millisecond)
	t1, r1 := treeTicks(pid)
	busy1, elapsed := machineBusy(), time.Since(start0)
	r := parseWrk(t, string(out))
	serverTicks := t1 - t0
	if r.requests > 0 {
		r.cpuPerReq = time.Duration(float64(serverTicks) * float64(time.Second) / float64(clkTck) / float64(r.requests))
		r.rootPerReq = time.Duration(float64(r1-r0) * float64(time.Second) / float64(clkTck) / float64(r.requests))
	}
	client := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	others := float64(busy1-busy0)/float64(clkTck) - float64(serverTicks)/float64(clkTck) - client.Seconds()
	r.othersCPUs = math.Max(0, others/elapsed.Seconds())
	if s.proc.exited() {
		t.Fatalf("%s exited during the run:\n%s", s.name, tail(s.proc.output(), 40))
	}
	return r
}

var (
	wrkRequests = regexp.MustCompile(`(\d+) requests in`)
	wrkRPS      = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkPct      = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$`)
)

// parseWrk reads wrk --latency's report.
func parseWrk(t *testing.T, out string) benchResult {
	t.Helper()
	var r benchResult
	m := wrkRequests.FindStringSubmatch(out)
	n := wrkRPS.FindStringSubmatch(out)
	if m == nil || n == nil {
		t.Fatalf("wrk's output has no request count or rate:\n%s", out)
	}
	r.requests, _ = strconv.Atoi(m[1])
	r.rps, _ = strconv.ParseFloat(n[1], 64)
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		r.non2xx, _ = strconv.Atoi(m[1])
	}
	if m := wrkSocket.FindStringSubmatch(out); m != nil {
		for _, v := range m[1:] {
			k, _ := strconv.Atoi(v)
			r.sockErrors += k
		}
	}
	for _, m := range wrkPct.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		d := time.Duration(v * float64(map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[3]]))
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	return r
}

// clkTck is the kernel's clock ticks a second, the unit of /proc's CPU
// times (USER_HZ, 100 on every Linux this runs on).
const clkTck = 100

// treeTicks is the CPU (user+system, clock ticks) pid and every live
// process below it have used, with the children each of them reaped:
// a process that exited is counted once, in its parent's cutime/cstime.
// root is pid's own utime+stime.
func treeTicks(pid int) (sum, root int64) {
	for _, p := range append([]int{pid}, descendants(pid)...) {
		f, ok := procStat(p)
		if !ok || len(f) < 15 {
			continue
		}
		for _, i := range []int{11, 12, 13, 14} { // utime stime cutime cstime
			v, _ := strconv.ParseInt(f[i], 10, 64)
			sum += v
			if p == pid && i < 13 {
				root += v
			}
		}
	}
	return sum, root
}

// machineBusy is the busy ticks of all CPUs so far (/proc/stat).
func machineBusy() int64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	var busy int64
	for i, v := range f[1:] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		busy += n
	}
	return busy
}

func numCPU() int {
	out, _ := exec.Command("nproc").Output()
	n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return n
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func envInt(t *testing.T, name string, def, max int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		t.Fatalf("%s = %q: want a whole number from 1 to %d", name, v, max)
	}
	return n
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
