package fleet

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pasteserve/pasteserve/internal/keystonetest"
)

// pasteFile is what every instance serves: auth_token in front of the
// echo app (a Go app that shows the headers it got, auth_token's
// X-User-Id among them). auth_token gets its service token at auth_url
// and validates at the catalog's internal identity endpoint of region
// fleet: both go through the counting proxy. Its token cache is in
// memcached, encrypted (keystonemiddleware's ENCRYPT), shared by the
// fleet.
func pasteFile(keystoneURL, proxyURL, memcachedAddr string) string {
	return `[pipeline:main]
pipeline = request_id authtoken echo

[filter:request_id]
paste.filter_factory = oslo_middleware:RequestId.factory

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
www_authenticate_uri = ` + keystoneURL + `
auth_url = ` + proxyURL + `/v3
auth_type = password
username = pasteserve
password = svc-s3cret
user_domain_name = Default
project_name = service
project_domain_name = Default
interface = internal
region_name = fleet
include_service_catalog = false
http_connect_timeout = 30
http_request_max_retries = 1
memcached_servers = ` + memcachedAddr + `
memcache_security_strategy = ENCRYPT
memcache_secret_key = fleet-cache-s3cret

[app:echo]
use = egg:pasteserve#echo

# HAProxy takes a server out after two failed checks 200 ms apart: the
# delay keeps the listener open until it has (docs/fleet.md).
[server:main]
use = egg:pasteserve#http
shutdown_delay = ` + shutdownDelay + `
`
}

// shutdownDelay is the instances' shutdown_delay: more than HAProxy's
// two checks 200 ms apart (checkSettings) take to see /readyz's 503.
const shutdownDelay = "0.8"

// instance is one pasteserve of the fleet: its fixed ports (the API's
// and the admin listener's, where HAProxy checks /readyz), HAProxy's
// name for it, and every process that has served as it (one per start).
type instance struct {
	name      string
	port      int
	adminPort int
	args      []string
	logs      string // the directory of the processes' output
	procs     []*process
}

func (in *instance) addr() string      { return fmt.Sprintf("127.0.0.1:%d", in.port) }
func (in *instance) current() *process { return in.procs[len(in.procs)-1] }

// start runs a new process of the instance and waits until it listens.
func (in *instance) start(t testing.TB) {
	t.Helper()
	argv := append([]string{pasteserve, "serve", "--bind", in.addr(), "--admin-bind", fmt.Sprintf("127.0.0.1:%d", in.adminPort), "--log-format", "json"}, in.args...)
	p := run(t, in.logs, fmt.Sprintf("%s-%d", in.name, len(in.procs)+1), argv...)
	in.procs = append(in.procs, p)
	p.waitForMessage(t, "listening", 0, 30*time.Second)
}

// served counts the requests for path that the instance's processes
// logged in their access logs.
func (in *instance) served(path string) (total int, perProc []int) {
	for _, p := range in.procs {
		n := 0
		for _, m := range p.jsonLines() {
			if line, _ := m["request_line"].(string); strings.Contains(line, " "+path) {
				n++
			}
		}
		perProc = append(perProc, n)
		total += n
	}
	return total, perProc
}

// TestRollingRestartBehindHAProxy is issue 14's fleet: three pasteserve
// instances behind Debian's HAProxy, which checks each one's /readyz on
// its admin listener, auth_token in front of a Go app against the real
// Keystone, with its token cache in one memcached. Under a
// keep-alive load of clients that never retry, each instance is
// restarted in turn (SIGTERM, wait for its exit, start again, wait until
// HAProxy has it up), then each is reloaded with SIGHUP. No request may
// fail, and no request may be served twice (HAProxy retries only
// connections that failed, before the request was sent); the figures
// are logged. Keystone must have validated each distinct token once for
// the whole fleet: the restarted and reloaded instances find it in
// memcached.
func TestRollingRestartBehindHAProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("the fleet test starts Keystone, HAProxy and three servers and runs for a minute; not with -short")
	}
	skipUnlessFile(t, haproxyBin, "haproxy", "a rolling restart behind HAProxy")
	skipUnlessFile(t, memcachedBin, "memcached", "a fleet's shared token cache")
	keystonetest.SkipUnlessInstalled(t, "a fleet's token validation")
	testStart := time.Now()

	ks := keystonetest.Start(t)
	proxy := newCountingProxy(t, ks)
	users := setUpKeystone(t, ks, proxy, []string{"alice", "bob", "carol"}, 2)
	t.Logf("Keystone ready after %.1fs", time.Since(testStart).Seconds())

	// The programs' output: in a directory of the test's, or in
	// PASTESERVE_FLEET_LOGS to read afterwards.
	logs := os.Getenv("PASTESERVE_FLEET_LOGS")
	if logs == "" {
		logs = t.TempDir()
	} else {
		t.Logf("logs in %s", logs)
	}
	mc := startMemcached(t, logs)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "api.ini"), pasteFile(ks.URL, proxy.URL, mc.addr))

	var fleet []*instance
	var servers []backendServer
	for i := range 3 {
		in := &instance{name: fmt.Sprintf("ps%d", i+1), port: freePort(t), adminPort: freePort(t), args: []string{"--paste", filepath.Join(dir, "api.ini")}, logs: logs}
		in.start(t)
		fleet = append(fleet, in)
		servers = append(servers, backendServer{name: in.name, addr: in.addr(), checkPort: in.adminPort})
	}
	hap := startHAProxy(t, dir, logs, "/readyz", servers)
	for _, in := range fleet {
		hap.waitState(t, in.name, "UP", 20*time.Second)
	}
	url := "http://" + hap.addr

	// Eight clients over six tokens (three users, two tokens each).
	l := &load{url: url, think: 5 * time.Millisecond}
	distinct := map[string]bool{}
	for i := range 8 {
		u := users[i%len(users)]
		tok := u.tokens[(i/len(users))%len(u.tokens)]
		l.clients = append(l.clients, newLoadClient(i, tok, u.id))
		distinct[tok] = true
	}

	// Each client's first request, one after another: two instances
	// that get a token's first requests at the same moment both miss the
	// shared cache and both validate it (keystonemiddleware's cache does
	// the same); after this, the token is in the cache.
	for _, c := range l.clients {
		c.one(url)
	}

	loadStart := time.Now()
	l.start()
	stopped := false
	defer func() {
		if !stopped {
			l.stopAndWait()
		}
	}()
	time.Sleep(2 * time.Second)

	// The rolling restart: one instance at a time.
	for _, in := range fleet {
		old := in.current()
		t0 := time.Now()
		if err := old.signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		done, err := old.wait(60 * time.Second)
		if !done {
			t.Fatalf("%s still running 60 s after SIGTERM\n%s", old.name, old.tail(20))
		}
		if err != nil {
			t.Errorf("%s exited with %v after SIGTERM (a drain that cut requests off)\n%s", old.name, err, old.tail(20))
		}
		drained := time.Since(t0)
		// shutdown_delay keeps the instance serving until HAProxy's
		// checks (two failed ones, 200 ms apart) have taken it out, so
		// it is DOWN by the time it exits; were it not, a restart could
		// be quicker than the checks, and only the connection retries
		// would keep the requests whole. The wait makes sure.
		down := hap.waitState(t, in.name, "DOWN", 20*time.Second)
		in.start(t)
		up := hap.waitState(t, in.name, "UP", 30*time.Second)
		t.Logf("%s: SIGTERM; exited %.2fs later (shutdown_delay "+shutdownDelay+" s, then the drain); DOWN in HAProxy %.2fs after the exit; started again, UP in HAProxy %.2fs after the start",
			in.name, drained.Seconds(), down.Seconds(), up.Seconds())
		time.Sleep(time.Second)
	}
	// Then a reload of each.
	for _, in := range fleet {
		p := in.current()
		t0 := time.Now()
		if err := p.signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		p.waitForMessage(t, "reloaded: new requests use the rebuilt pipeline", 0, 30*time.Second)
		t.Logf("%s: reloaded in %.2fs", in.name, time.Since(t0).Seconds())
		time.Sleep(500 * time.Millisecond)
	}
	time.Sleep(time.Second)
	l.stopAndWait()
	stopped = true
	loadTook := time.Since(loadStart)
	// The access log is written off the request path: its last lines
	// are out once a process has stopped.
	for _, in := range fleet {
		p := in.current()
		p.signal(syscall.SIGTERM)
		if done, err := p.wait(30 * time.Second); !done || err != nil {
			t.Errorf("%s at the end: SIGTERM: exited %v, %v\n%s", p.name, done, err, p.tail(20))
		}
	}

	sent, ok, dials, failures := l.totals()
	sort.Slice(failures, func(i, j int) bool { return failures[i].at.Before(failures[j].at) })
	byKind := map[string]int{}
	for _, f := range failures {
		byKind[f.kind]++
	}

	// What HAProxy and the instances saw of it. HAProxy writes a
	// request's line as the request ends, which may be a moment after
	// its client has the answer: wait, boundedly, for the lines.
	fleetRequests := func() []haproxyRequest {
		var out []haproxyRequest
		for _, r := range hap.requests() {
			if strings.HasPrefix(r.uri, "/v1/fleet") {
				out = append(out, r)
			}
		}
		return out
	}
	logged := fleetRequests()
	for deadline := time.Now().Add(5 * time.Second); len(logged) < sent && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		logged = fleetRequests()
	}
	hapReqs, hapRetried, hapRedispatched, hapBad := 0, 0, 0, 0
	for _, r := range logged {
		hapReqs++
		if r.retries > 0 {
			hapRetried++
		}
		if r.redispatch {
			hapRedispatched++
		}
		if r.status/100 != 2 || r.termination != "--" {
			hapBad++
		}
	}
	served := 0
	var perInstance []string
	for _, in := range fleet {
		n, per := in.served("/v1/fleet")
		served += n
		perInstance = append(perInstance, fmt.Sprintf("%s %v", in.name, per))
	}

	// The log is the count: HAProxy drops a line it cannot write at once.
	if dropped, err := hap.info("DroppedLogs"); err != nil || dropped != "0" {
		t.Errorf("HAProxy dropped %s log lines (%v): its count of requests is short", dropped, err)
	}
	connects, _ := hap.stat("connect")
	reuses, _ := hap.stat("reuse")

	validations, logins := proxy.counts()
	var perToken []string
	tokenIndex := 0
	for _, u := range users {
		for _, tok := range u.tokens {
			if distinct[tok] {
				tokenIndex++
				perToken = append(perToken, fmt.Sprintf("%s#%d: %d", u.name, tokenIndex, validations[tok]))
			}
		}
	}

	t.Logf("fleet: %d requests in %.1fs (%.0f/s) from %d keep-alive clients that never retry (%d connections opened), %d ok, %d failed %v",
		sent, loadTook.Seconds(), float64(sent)/loadTook.Seconds(), len(l.clients), dials, ok, len(failures), byKind)
	t.Logf("fleet: HAProxy logged %d of them, %d with a connection retry (%d redispatched to another server), %d not 2xx; the instances served %d (per process: %s)",
		hapReqs, hapRetried, hapRedispatched, hapBad, served, strings.Join(perInstance, ", "))
	t.Logf("fleet: HAProxy's connections to the instances: opened %v, reused %v", connects, reuses)
	t.Logf("fleet: Keystone validations per token (%d distinct tokens): %s; service-user logins: %d", len(distinct), strings.Join(perToken, ", "), logins)
	if st, err := mc.stats(); err == nil {
		t.Logf("fleet: memcached: %d gets (%d hits, %d misses), %d sets, %d items", st["cmd_get"], st["get_hits"], st["get_misses"], st["cmd_set"], st["curr_items"])
	} else {
		t.Errorf("memcached stats: %v", err)
	}
	t.Logf("fleet: whole test %.1fs", time.Since(testStart).Seconds())

	for i, f := range failures {
		if i == 20 {
			t.Errorf("... and %d more", len(failures)-20)
			break
		}
		t.Errorf("failed: %s", f)
	}
	if ok != sent {
		t.Errorf("%d of %d requests failed", sent-ok, sent)
	}
	if hapReqs != sent {
		t.Errorf("HAProxy logged %d requests, the clients sent %d: a request was sent twice, or lost before HAProxy", hapReqs, sent)
	}
	if served != sent {
		t.Errorf("the instances served %d requests, the clients sent %d: a request was served twice, or lost", served, sent)
	}
	for tok := range distinct {
		if n := validations[tok]; n != 1 {
			t.Errorf("Keystone validated a token %d times, want once for the whole fleet (per token: %s)", n, strings.Join(perToken, ", "))
			break
		}
	}
	for tok, n := range validations {
		if !distinct[tok] {
			t.Errorf("Keystone validated %d times a token no client sent (%.12s...)", n, tok)
		}
	}
	for _, in := range fleet {
		if _, per := in.served("/v1/fleet"); per[len(per)-1] == 0 || per[0] == 0 {
			t.Errorf("%s: requests per process %v: the load did not reach each process", in.name, per)
		}
	}
}
