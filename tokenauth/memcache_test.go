package tokenauth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
)

// The memcache tests run Debian's memcached on 127.0.0.1 and, for the
// format shared with Python, Debian's python3-keystonemiddleware (its
// own _cache classes, through testdata/ksm_cache.py).

const memcachedBinary = "/usr/bin/memcached"

// startMemcached runs memcached on a free loopback port until the test
// ends; stop kills it sooner. It skips without Debian's memcached.
func startMemcached(t *testing.T) (addr string, stop func()) {
	t.Helper()
	if _, err := os.Stat(memcachedBinary); err != nil {
		t.Skip("needs Debian's memcached (apt-get install memcached): " + memcachedBinary + " is missing")
	}
	port := freePort(t)
	cmd := exec.Command(memcachedBinary, "-l", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "0", "-m", "16", "-u", "nobody")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cmd.Process.Kill()
		<-done
	}
	t.Cleanup(stop)
	addr = "127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return addr, stop
		}
		select {
		case <-done:
			t.Fatalf("memcached exited: %s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("memcached did not listen on %s within 20 s: %s", addr, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

var (
	ksmOnce    sync.Once
	ksmMissing bool
)

// ksmCache runs testdata/ksm_cache.py: keystonemiddleware's TokenCache
// (strategy None) or SecureTokenCache writing (op set, data on stdin)
// or reading (op get) the entry of token.
func ksmCache(t *testing.T, op, servers, strategy, secret, token string, data []byte) string {
	t.Helper()
	ksmOnce.Do(func() {
		ksmMissing = exec.Command("/usr/bin/python3", "-c", "import keystonemiddleware.auth_token._cache, oslo_cache, memcache").Run() != nil
	})
	if ksmMissing {
		t.Skip("needs Debian's python3-keystonemiddleware (apt-get install python3-keystonemiddleware): /usr/bin/python3 cannot import keystonemiddleware.auth_token._cache, oslo_cache and memcache")
	}
	cmd := exec.Command("/usr/bin/python3", filepath.Join("testdata", "ksm_cache.py"), op, servers, strategy, token)
	cmd.Env = append(os.Environ(), "KSM_SECRET="+secret)
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ksm_cache.py %s: %v\n%s", op, err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// TestMemcacheKeysAreKeystonemiddlewares checks the keys against those
// keystonemiddleware 10.1 (Debian's) wrote for token "tok123" with secret
// "s3", read back from memcached with lru_crawler metadump.
func TestMemcacheKeysAreKeystonemiddlewares(t *testing.T) {
	for _, c := range []struct{ strategy, secret, want string }{
		{"None", "", "tokens/4f6e1f65055263866dedb3c5fe22defb0cc045648cf0b87afac54cc6420e5647"},
		{"MAC", "s3", "tokens/b'lniuB6eIz+UFIOvY2E0N6g=='"},
		{"ENCRYPT", "s3", "tokens/b'LJrQ3xt4sj8bN+ZfNSjkMA=='"},
	} {
		var secret []byte
		if c.secret != "" {
			secret = []byte(c.secret)
		}
		if got := deriveMemcacheKeys("tok123", secret, c.strategy).cacheKey; got != c.want {
			t.Errorf("%s: key %q, want %q", c.strategy, got, c.want)
		}
	}
}

// memcachePaste is auth_token with k and the memcached options.
func memcachePaste(k *fakeKeystone, servers, strategy, secret string, extra ...string) string {
	opts := []string{"memcached_servers = " + servers, "memcache_security_strategy = " + strategy}
	if secret != "" {
		opts = append(opts, "memcache_secret_key = "+secret)
	}
	return authPaste(authTokenPaste(k, append(opts, extra...)...))
}

// pythonDoc is a token document as keystonemiddleware caches it, for a
// user only this document names, so a request answered with it shows
// the entry was read rather than Keystone asked.
func pythonDoc(userID string, expires time.Time) []byte {
	doc := map[string]any{"token": map[string]any{
		"methods":    []string{"password"},
		"user":       map[string]any{"id": userID, "name": "py", "domain": map[string]string{"id": "default", "name": "Default"}},
		"project":    map[string]any{"id": "demo-id", "name": "demo", "domain": map[string]string{"id": "default", "name": "Default"}},
		"roles":      []map[string]string{{"id": "r1", "name": "member"}},
		"expires_at": expires.UTC().Format("2006-01-02T15:04:05.000000Z"),
		"issued_at":  time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"),
	}}
	b, _ := json.Marshal(doc)
	return b
}

// TestMemcacheSharedWithKeystonemiddleware: under None, MAC and ENCRYPT,
// an entry keystonemiddleware writes is what pasteserve answers with,
// without asking Keystone; an entry pasteserve writes is what
// keystonemiddleware reads; and a second pasteserve finds it too.
func TestMemcacheSharedWithKeystonemiddleware(t *testing.T) {
	addr, _ := startMemcached(t)
	for _, c := range []struct{ strategy, secret string }{{"None", ""}, {"MAC", "mac-s3cret"}, {"ENCRYPT", "enc-s3cret"}} {
		t.Run(c.strategy, func(t *testing.T) {
			k := newFakeKeystone(t)
			h := mustBuild(t, memcachePaste(k, addr, c.strategy, c.secret))

			// Python writes, pasteserve reads.
			fromPython := k.issue("alice", time.Hour)
			if out := ksmCache(t, "set", addr, c.strategy, c.secret, fromPython, pythonDoc("py-user-"+c.strategy, time.Now().Add(time.Hour))); out != "stored" {
				t.Fatal(out)
			}
			rec := get(h, "/", "X-Auth-Token", fromPython)
			if rec.Code != 200 {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if got := headerLine(rec.Body.String(), "X-User-Id"); got != "py-user-"+c.strategy {
				t.Errorf("X-User-Id %q, want the cached py-user-%s", got, c.strategy)
			}
			if _, v := k.counts(); v != 0 {
				t.Errorf("%d validations for a token keystonemiddleware cached, want 0", v)
			}

			// pasteserve writes, Python reads, another pasteserve reads.
			tok := k.issue("alice", time.Hour)
			if rec := get(h, "/", "X-Auth-Token", tok); rec.Code != 200 {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			var got struct {
				Token struct {
					User struct{ ID string } `json:"user"`
				} `json:"token"`
			}
			out := ksmCache(t, "get", addr, c.strategy, c.secret, tok, nil)
			if err := json.Unmarshal([]byte(out), &got); err != nil || got.Token.User.ID != "alice-id" {
				t.Errorf("keystonemiddleware read %s (%v), want the token of alice-id", out, err)
			}
			h2 := mustBuild(t, memcachePaste(k, addr, c.strategy, c.secret))
			if rec := get(h2, "/", "X-Auth-Token", tok); rec.Code != 200 || headerLine(rec.Body.String(), "X-User-Id") != "alice-id" {
				t.Fatalf("second instance: %d %s", rec.Code, rec.Body)
			}
			if _, v := k.counts(); v != 1 {
				t.Errorf("%d validations for one token seen by two instances, want 1", v)
			}

			// Another secret derives other keys: nothing is shared.
			if c.secret != "" {
				if out := ksmCache(t, "get", addr, c.strategy, "other-secret", tok, nil); out != "null" {
					t.Errorf("read with another secret: %s", out)
				}
			}
		})
	}
}

// TestMemcacheTamperedEntriesRefused changes entries keystonemiddleware
// wrote under MAC and ENCRYPT in memcached; pasteserve refuses them and
// asks Keystone, whose answer it then stores over them.
func TestMemcacheTamperedEntriesRefused(t *testing.T) {
	addr, _ := startMemcached(t)
	mc := memcache.New(addr)
	for _, c := range []struct {
		strategy string
		tamper   func(payload []byte) []byte // the base64-decoded part after the MAC
	}{
		{"MAC", func(p []byte) []byte { return bytes.Replace(p, []byte("py-user"), []byte("mallory"), 1) }},
		{"ENCRYPT", func(p []byte) []byte { p[len(p)-20] ^= 1; return p }},
	} {
		t.Run(c.strategy, func(t *testing.T) {
			k := newFakeKeystone(t)
			h := mustBuild(t, memcachePaste(k, addr, c.strategy, "s3cret"))
			tok := k.issue("alice", time.Hour)
			ksmCache(t, "set", addr, c.strategy, "s3cret", tok, pythonDoc("py-user", time.Now().Add(time.Hour)))

			key := deriveMemcacheKeys(tok, []byte("s3cret"), c.strategy).cacheKey
			item, err := mc.Get(key)
			if err != nil {
				t.Fatalf("keystonemiddleware's entry at %s: %v", key, err)
			}
			payload, err := base64.StdEncoding.DecodeString(string(item.Value[macDigestLen:]))
			if err != nil {
				t.Fatal(err)
			}
			changed := c.tamper(bytes.Clone(payload))
			if bytes.Equal(changed, payload) {
				t.Fatal("the tamper changed nothing")
			}
			item.Value = append(item.Value[:macDigestLen:macDigestLen], base64.StdEncoding.EncodeToString(changed)...)
			if err := mc.Set(item); err != nil {
				t.Fatal(err)
			}

			rec := get(h, "/", "X-Auth-Token", tok)
			if rec.Code != 200 || headerLine(rec.Body.String(), "X-User-Id") != "alice-id" {
				t.Fatalf("tampered entry: %d, X-User-Id %q; want 200 with Keystone's alice-id", rec.Code, headerLine(rec.Body.String(), "X-User-Id"))
			}
			if _, v := k.counts(); v != 1 {
				t.Errorf("%d validations, want 1: the tampered entry must send the token to Keystone", v)
			}
			// Keystone's answer replaced it, for Python too.
			if out := ksmCache(t, "get", addr, c.strategy, "s3cret", tok, nil); !strings.Contains(out, `"alice-id"`) {
				t.Errorf("after revalidation keystonemiddleware reads %s", out)
			}
		})
	}
}

// TestMemcacheDownFallsBackToKeystone stops memcached: every request is
// still answered, from Keystone, at once (the server is refused, then
// skipped), and none with a 5xx.
func TestMemcacheDownFallsBackToKeystone(t *testing.T) {
	addr, stop := startMemcached(t)
	k := newFakeKeystone(t)
	var logs bytes.Buffer
	h := withLogger(mustBuild(t, memcachePaste(k, addr, "MAC", "s3cret")), &logs)
	tok := k.issue("alice", time.Hour)
	if rec := get(h, "/", "X-Auth-Token", tok); rec.Code != 200 {
		t.Fatal(rec.Code)
	}
	stop()
	start := time.Now()
	for i := range 5 {
		tok := k.issue("bob", time.Hour)
		if rec := get(h, "/", "X-Auth-Token", tok); rec.Code != 200 {
			t.Fatalf("request %d with memcached down: %d %s", i, rec.Code, rec.Body)
		}
		if rec := get(h, "/", "X-Auth-Token", "gAAAA-not-a-token"); rec.Code != 401 {
			t.Fatalf("bad token with memcached down: %d", rec.Code)
		}
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("10 requests with memcached down took %v", d)
	}
	if _, v := k.counts(); v != 1+5+1 {
		t.Errorf("%d validations, want 7 (one per token, the bad one cached in the process)", v)
	}
	if n := strings.Count(logs.String(), "memcached failed"); n != 1 {
		t.Errorf("%d log lines of memcached failing, want 1 (then it is skipped for dead_retry):\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "s3cret") {
		t.Errorf("the secret is in the log:\n%s", logs.String())
	}
}

// TestMemcacheSilentServerFallsBack puts a listener that accepts and
// never answers where memcached should be: the first request waits
// memcache_pool_socket_timeout, then goes to Keystone; later ones skip
// the server (memcache_pool_dead_retry) and do not connect again.
func TestMemcacheSilentServerFallsBack(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int32
	conns := make(chan net.Conn, 100)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			conns <- c // held open, never answered
		}
	}()
	t.Cleanup(func() {
		l.Close()
		for len(conns) > 0 {
			(<-conns).Close()
		}
	})

	k := newFakeKeystone(t)
	h := mustBuild(t, memcachePaste(k, l.Addr().String(), "None", "", "memcache_pool_socket_timeout = 0.5"))
	start := time.Now()
	if rec := get(h, "/", "X-Auth-Token", k.issue("alice", time.Hour)); rec.Code != 200 {
		t.Fatalf("with a silent memcached: %d %s", rec.Code, rec.Body)
	}
	took := time.Since(start)
	if took < 400*time.Millisecond || took > 10*time.Second {
		t.Errorf("first request took %v, want about the 0.5 s socket timeout", took)
	}
	for i := range 5 {
		if rec := get(h, "/", "X-Auth-Token", k.issue("bob", time.Hour)); rec.Code != 200 {
			t.Fatalf("request %d: %d", i, rec.Code)
		}
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("%d connections to the silent server, want 1: a server that timed out is skipped for dead_retry", n)
	}
	if _, v := k.counts(); v != 6 {
		t.Errorf("%d validations, want 6", v)
	}

	// With one connection allowed, requests queued behind the one that
	// meets the silent server do not meet it again once it timed out.
	l2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted2 atomic.Int32
	go func() {
		for {
			c, err := l2.Accept()
			if err != nil {
				return
			}
			accepted2.Add(1)
			conns <- c
		}
	}()
	t.Cleanup(func() { l2.Close() })
	h = mustBuild(t, memcachePaste(k, l2.Addr().String(), "None", "", "memcache_pool_socket_timeout = 0.5",
		"memcache_pool_maxsize = 1", "memcache_pool_conn_get_timeout = 60"))
	start = time.Now()
	codes := make(chan int, 4)
	for range 4 {
		tok := k.issue("bob", time.Hour)
		go func() { codes <- get(h, "/", "X-Auth-Token", tok).Code }()
	}
	for range 4 {
		if code := <-codes; code != 200 {
			t.Errorf("queued request: %d", code)
		}
	}
	if n := accepted2.Load(); n != 1 {
		t.Errorf("%d connections to the silent server by 4 requests queued on one slot, want 1", n)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("4 queued requests took %v", took)
	}
}

// TestMemcacheOptionErrors: the strategy, its secret, the servers and
// the pool's numbers are checked at build time, at their keys, and the
// secret is never quoted.
func TestMemcacheOptionErrors(t *testing.T) {
	k := newFakeKeystone(t)
	for _, c := range []struct {
		opts      []string
		pos, want string
	}{
		{[]string{"memcached_servers = 127.0.0.1:eleven"}, "14:1", `"127.0.0.1:eleven" is not a memcached server`},
		{[]string{"memcached_servers = 127.0.0.1:99999"}, "14:1", "the port is not 1 to 65535"},
		{[]string{"memcache_security_strategy = SIGN"}, "14:1", `"SIGN" is not one of None, MAC, ENCRYPT`},
		{[]string{"memcache_security_strategy = MAC"}, "3:1", "memcache_secret_key: is required with memcache_security_strategy = MAC"},
		{[]string{"memcache_pool_socket_timeout = 0"}, "14:1", "must be more than 0 seconds"},
		{[]string{"memcache_pool_maxsize = 0"}, "14:1", "must be at least 1"},
		{[]string{"memcache_pool_dead_retry = -1"}, "14:1", "is negative"},
	} {
		wantBuildError(t, authTokenPaste(k, c.opts...), c.pos, c.want)
	}
	_, err := buildPaste(t, authTokenPaste(k, "memcache_secret_key = hunter2-secret", "memcache_security_strategy = bogus"))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %v: want one, without the secret", err)
	}
	// All of keystonemiddleware's memcache options build.
	mustBuild(t, authPaste(authTokenPaste(k, "memcache_servers = 127.0.0.1:11211, inet6:[::1]:11212, unix:/run/memcached.sock",
		"memcache_security_strategy = ENCRYPT", "memcache_secret_key = x", "memcache_pool_dead_retry = 60",
		"memcache_pool_maxsize = 4", "memcache_pool_socket_timeout = 1", "memcache_pool_unused_timeout = 30",
		"memcache_pool_conn_get_timeout = 2", "memcache_use_advanced_pool = false")))
}

// TestMemcacheCrypt checks protect and unprotect against each other and
// against what they must refuse, without memcached.
func TestMemcacheCrypt(t *testing.T) {
	doc := []byte(`{"token": {"user": {"id": "u"}}}`)
	for _, strategy := range []string{"MAC", "ENCRYPT", "encrypt"} {
		k := deriveMemcacheKeys("tok", []byte("key"), strategy)
		v, err := k.protect(doc)
		if err != nil {
			t.Fatal(err)
		}
		if encrypted := !bytes.Contains(v, []byte(base64.StdEncoding.EncodeToString(doc)[:20])); encrypted != (strategy == "ENCRYPT") {
			t.Errorf("%s: encrypted %v; keystonemiddleware encrypts only for ENCRYPT", strategy, encrypted)
		}
		if got, err := k.unprotect(v); err != nil || !bytes.Equal(got, doc) {
			t.Errorf("%s: %q %v", strategy, got, err)
		}
		other := deriveMemcacheKeys("tok", []byte("other"), strategy)
		for name, bad := range map[string][]byte{
			"other key": v, "short": v[:10], "empty": nil,
			"payload changed": append(bytes.Clone(v[:len(v)-4]), "AAA="...),
		} {
			kk := k
			if name == "other key" {
				kk = other
			}
			if _, err := kk.unprotect(bad); !errors.Is(err, errMemcacheEntry) {
				t.Errorf("%s %s: %v, want refused", strategy, name, err)
			}
		}
	}
}

// TestPickServerIsPythonMemcached checks the server of keys against
// python-memcached's choice (cmemcache_hash, and its rehash while a
// server is dead), computed by Debian's python3-memcache.
func TestPickServerIsPythonMemcached(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import memcache").Run(); err != nil {
		t.Skip("needs Debian's python3-memcache (apt-get install python3-memcache)")
	}
	// python-memcached connects to pick; three silent listeners are
	// servers it can connect to, and a closed port one it cannot.
	var addrs []string
	for range 3 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		addrs = append(addrs, l.Addr().String())
	}
	dead := "127.0.0.1:" + strconv.Itoa(freePort(t))
	all := append(append([]string{}, addrs...), dead)
	keys := []string{"tokens/a", "tokens/b'x=='", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "zz"}
	script := `
import json, sys, memcache
c = memcache.Client(sys.argv[1].split(','), dead_retry=300, socket_timeout=1)
out = []
for k in json.loads(sys.argv[2]):
    s, _ = c._get_server(k.encode())
    out.append('%s:%d' % s.address)
print(json.dumps(out))
`
	kj, _ := json.Marshal(keys)
	out, err := exec.Command("/usr/bin/python3", "-c", script, strings.Join(all, ","), string(kj)).Output()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	var servers []*memcachedServer
	now := time.Now()
	for _, a := range all {
		addr, _ := parseMemcachedServer(a)
		s := newMemcachedServer(a, addr)
		if a == dead {
			s.markDead(now, time.Hour)
		}
		servers = append(servers, s)
	}
	sawRehash := false
	for i, key := range keys {
		got := pickServer(servers, key, now)
		if got == nil || got.name != want[i] {
			t.Errorf("key %q: server %v, python-memcached's %s", key, got, want[i])
		}
		if servers[pythonServerHash([]byte(key))%uint32(len(servers))].name == dead {
			sawRehash = true
		}
	}
	if !sawRehash {
		t.Error("no key hashed to the dead server: the rehash went untested")
	}
}

// FuzzMemcacheEntry feeds what memcached may hold to the code that reads
// it: nothing panics, and under MAC and ENCRYPT nothing but what the key
// protected is accepted.
func FuzzMemcacheEntry(f *testing.F) {
	keys := map[string]memcacheKeys{}
	for _, s := range []string{"None", "MAC", "ENCRYPT"} {
		var secret []byte
		if s != "None" {
			secret = []byte("k")
		}
		keys[s] = deriveMemcacheKeys("tok", secret, s)
	}
	for _, s := range []string{"MAC", "ENCRYPT"} {
		v, _ := keys[s].protect([]byte(`{"token": {"expires_at": "2030-01-01T00:00:00Z"}}`))
		f.Add(v)
	}
	f.Add([]byte(`[{"token": {}}, 1]`))
	f.Add([]byte(`{"token": null}`))
	v := &keystoneVerifier{}
	f.Fuzz(func(t *testing.T, value []byte) {
		for s, k := range keys {
			doc, err := k.unprotect(value)
			if err != nil {
				continue
			}
			if s != "None" {
				again, _ := k.protect(doc)
				if _, err := k.unprotect(again); err != nil {
					t.Fatalf("%s: accepted %q, whose own protection fails", s, value)
				}
			}
			if doc, err = unwrapLegacyEntry(doc); err == nil {
				v.parseDoc(doc)
			}
		}
	})
}
