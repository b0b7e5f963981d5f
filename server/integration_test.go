package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// These tests start the real binary (pasteserve with test apps compiled
// in, internal/testbin/server) on 127.0.0.1 and speak HTTP to it. Every
// loop is bounded in count and time.

var testbin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pasteserve-test")
	if err != nil {
		panic(err)
	}
	testbin = filepath.Join(dir, "pasteserve")
	build := exec.Command("go", "build", "-o", testbin, "../internal/testbin/server")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the test binary:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// apps is appended to every test paste file.
const apps = `
[app:hello]
use = egg:pasteserve#test-hello
greeting = hello
[app:slow]
use = egg:pasteserve#test-slow
[app:boom]
use = egg:pasteserve#test-panic
[app:headers]
use = egg:pasteserve#test-headers
[app:body]
use = egg:pasteserve#test-body
`

const urlmap = `[composite:main]
use = egg:Paste#urlmap
/ = hello
/slow = slow
/panic = boom
/headers = headers
/body = body
`

// proc is a running pasteserve.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string
	dir  string
	mu   sync.Mutex
	log  bytes.Buffer
	logs chan map[string]any
	exit chan error
}

// start writes files (name -> content; "api.ini" is the paste file) and
// runs pasteserve on them with args, waiting until it listens.
func start(t *testing.T, files map[string]string, args ...string) *proc {
	t.Helper()
	p := launch(t, files, args...)
	if err := p.waitFor("listening", 20*time.Second); err != nil {
		t.Fatalf("server did not start: %v\n%s", err, p.logText())
	}
	return p
}

func launch(t *testing.T, files map[string]string, args ...string) *proc {
	t.Helper()
	return launchIn(t, t.TempDir(), files, nil, args...)
}

// launchIn is launch in dir, which may hold files already, with env
// added to the environment. A file name may name subdirectories.
func launchIn(t *testing.T, dir string, files map[string]string, env []string, args ...string) *proc {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(testbin, append([]string{"--paste", filepath.Join(dir, "api.ini"), "--log-format", "json"}, args...)...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	p := &proc{t: t, cmd: cmd, dir: dir, logs: make(chan map[string]any, 1000), exit: make(chan error, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			p.mu.Lock()
			p.log.Write(line)
			p.log.WriteByte('\n')
			p.mu.Unlock()
			// Access lines stay out of the channel: under load they
			// would fill it, and a line waitFor needs would be dropped.
			var m map[string]any
			if json.Unmarshal(line, &m) == nil && m["request_line"] == nil {
				select {
				case p.logs <- m:
				default:
				}
			}
		}
		p.exit <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		select {
		case <-p.exit:
		case <-time.After(5 * time.Second):
		}
	})
	return p
}

// waitFor waits for a log line with the given message; "listening" also
// records the address.
func (p *proc) waitFor(msg string, timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		select {
		case m := <-p.logs:
			if m["message"] == msg {
				if a, ok := m["address"].(string); ok {
					p.addr = a
				}
				return nil
			}
		case err := <-p.exit:
			p.exit <- err
			return fmt.Errorf("exited: %v", err)
		case <-deadline:
			return fmt.Errorf("no %q log line within %s", msg, timeout)
		}
	}
}

func (p *proc) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// logContains reports whether the log has, or gets within timeout, a
// line containing s.
func (p *proc) logContains(s string, timeout time.Duration) bool {
	for deadline := time.Now().Add(timeout); ; time.Sleep(10 * time.Millisecond) {
		if strings.Contains(p.logText(), s) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// eventsText is the log without the per-request access lines, for
// failure messages.
func (p *proc) eventsText() string {
	var b strings.Builder
	for _, line := range strings.Split(p.logText(), "\n") {
		if !strings.Contains(line, `"request_line"`) {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func (p *proc) signal(s syscall.Signal) {
	if err := p.cmd.Process.Signal(s); err != nil {
		p.t.Fatal(err)
	}
}

// wait returns the exit error, or fails after timeout.
func (p *proc) wait(timeout time.Duration) error {
	select {
	case err := <-p.exit:
		p.exit <- err
		return err
	case <-time.After(timeout):
		p.t.Fatalf("server still running after %s\n%s", timeout, p.logText())
		return nil
	}
}

func (p *proc) url(path string) string { return "http://" + p.addr + path }

var client = &http.Client{Timeout: 10 * time.Second}

func get(t *testing.T, url string, header ...string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

const local = "\n[server:main]\nuse = egg:pasteserve#http\nbind_host = 127.0.0.1\nbind_port = 0\n"

func TestServesPipeline(t *testing.T) {
	p := start(t, map[string]string{"api.ini": urlmap + apps + local})
	code, body, _ := get(t, p.url("/v1/things"))
	if code != 200 || !strings.HasPrefix(body, "hello ") || !strings.Contains(body, "path=/v1/things") {
		t.Errorf("GET /v1/things = %d %q", code, body)
	}
	code, body, _ = get(t, p.url("/slow/x?ms=1"))
	if code != 200 || !strings.HasPrefix(body, "slept 1ms") {
		t.Errorf("GET /slow/x = %d %q", code, body)
	}
	// The log is written off the request path: the line may follow the
	// response by up to 100 ms.
	if !p.logContains(`"request_line":"GET /v1/things HTTP/1.1","status_code":200`, 5*time.Second) {
		t.Errorf("no access log line:\n%s", p.logText())
	}
}

func TestPanicGives500WithoutStack(t *testing.T) {
	p := start(t, map[string]string{"api.ini": urlmap + apps + local})
	code, body, _ := get(t, p.url("/panic"))
	if code != 500 || strings.Contains(body, "goroutine") || strings.Contains(body, "deliberate") {
		t.Errorf("GET /panic = %d %q: want a 500 with no panic text or stack", code, body)
	}
	if err := p.waitFor("request panicked", 5*time.Second); err != nil || !strings.Contains(p.logText(), "test-panic: deliberate") {
		t.Errorf("the panic is not in the log (%v):\n%s", err, p.logText())
	}
	p2 := start(t, map[string]string{"api.ini": urlmap + apps + local + "wsgi_server_debug = true\n"})
	if code, body, _ := get(t, p2.url("/panic")); code != 500 || !strings.Contains(body, "panic: test-panic: deliberate") || !strings.Contains(body, "goroutine") {
		t.Errorf("with wsgi_server_debug: %d %q", code, body)
	}
}

func TestHeaderLimits(t *testing.T) {
	p := start(t, map[string]string{"api.ini": urlmap + apps + local + "max_header_line = 1000\nmax_header_size = 8192\n"})
	code, body, _ := get(t, p.url("/"), "X-Auth-Token", strings.Repeat("t", 1200))
	if code != 431 || !strings.Contains(body, "X-Auth-Token header line is 1214 bytes; this server accepts at most 1000 (max_header_line)") {
		t.Errorf("long header line: %d %q", code, body)
	}
	req, _ := http.NewRequest("GET", p.url("/"), nil)
	for i := 0; i < 40; i++ {
		req.Header.Set(fmt.Sprintf("X-Filler-%d", i), strings.Repeat("f", 500))
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 431 {
		t.Errorf("20 KB of headers: status %d, want 431", resp.StatusCode)
	}
	if code, _, _ := get(t, p.url("/"), "X-Auth-Token", strings.Repeat("t", 900)); code != 200 {
		t.Errorf("header under the limit: %d", code)
	}
}

func TestUnderscoreHeadersDropped(t *testing.T) {
	p := start(t, map[string]string{"api.ini": urlmap + apps + local})
	conn, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /headers HTTP/1.1\r\nHost: x\r\nX_User_Id: forged\r\nX-User-Id: real\r\nConnection: close\r\n\r\n")
	out, _ := io.ReadAll(conn)
	if !strings.Contains(string(out), "X-User-Id: real") || strings.Contains(string(out), "forged") {
		t.Errorf("response:\n%s", out)
	}
}

func TestSlowClientCutOff(t *testing.T) {
	p := start(t, map[string]string{"api.ini": urlmap + apps + local + "read_header_timeout = 0.5\n"})
	conn, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: x\r\n") // and then nothing
	began := time.Now()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = io.ReadAll(conn)
	if err != nil || time.Since(began) > 3*time.Second {
		t.Errorf("connection not closed by the server after read_header_timeout: err=%v after %s", err, time.Since(began))
	}
	if code, _, _ := get(t, p.url("/")); code != 200 {
		t.Errorf("server unhealthy after a slow client: %d", code)
	}
}

// rawGet sends one HTTP/1.1 request on a new connection and returns the
// response head and whether the server then closed the connection.
func rawGet(t *testing.T, addr, path string) (head string, closed bool) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	var b strings.Builder
	resp.Header.Write(&b)
	if resp.Close { // ReadResponse moves "Connection: close" here
		b.WriteString("Connection: close\r\n")
	}
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err = r.ReadByte()
	return b.String(), err == io.EOF
}

func TestKeepAliveOff(t *testing.T) {
	p := start(t, map[string]string{"api.ini": urlmap + apps + local + "wsgi_keep_alive = false\n"})
	if head, closed := rawGet(t, p.addr, "/"); !strings.Contains(head, "Connection: close") || !closed {
		t.Errorf("wsgi_keep_alive = false: closed=%v, head:\n%s", closed, head)
	}
	q := start(t, map[string]string{"api.ini": urlmap + apps + local})
	if head, closed := rawGet(t, q.addr, "/"); strings.Contains(head, "Connection: close") || closed {
		t.Errorf("keep-alive by default: closed=%v, head:\n%s", closed, head)
	}
}

func TestPoolLimit(t *testing.T) {
	p := start(t, map[string]string{"api.ini": urlmap + apps + local + "wsgi_default_pool_size = 1\n"})
	done := make(chan int, 1)
	go func() {
		resp, err := client.Get(p.url("/slow?ms=3000"))
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	// Bounded wait for the slow request to occupy the only slot.
	var code int
	var h http.Header
	var body string
	for i := 0; i < 100; i++ {
		time.Sleep(20 * time.Millisecond)
		if code, body, h = get(t, p.url("/")); code == 503 {
			break
		}
	}
	if code != 503 || h.Get("Retry-After") == "" || !strings.Contains(body, "wsgi_default_pool_size") {
		t.Errorf("second request while the pool is full: %d %q Retry-After=%q", code, body, h.Get("Retry-After"))
	}
	if c := <-done; c != 200 {
		t.Errorf("the slow request: %d", c)
	}
}

// While the port is busy, pasteserve retries for retry_until_window and
// says so once, with the time it gives up, then once more when it binds
// or gives up.
func TestBindRetry(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := busy.Addr().(*net.TCPAddr).Port
	conf := fmt.Sprintf("\n[server:main]\nuse = egg:pasteserve#http\nbind_host = 127.0.0.1\nbind_port = %d\nretry_until_window = 10\n", port)
	launched := time.Now()
	p := launch(t, map[string]string{"api.ini": urlmap + apps + conf})
	const retrying = "address already in use (is another server running?); retrying every 0.1 s until retry_until"
	m, err := p.nextLog(retrying, 10*time.Second)
	if err != nil {
		t.Fatalf("%v\n%s", err, p.logText())
	}
	until, err := time.Parse(time.RFC3339, fmt.Sprint(m["retry_until"]))
	// RFC 3339 in the log has whole seconds.
	if err != nil || until.Before(launched.Add(9*time.Second)) || until.After(time.Now().Add(11*time.Second)) ||
		m["level"] != "warn" || m["address"] != fmt.Sprintf("127.0.0.1:%d", port) || m["retry_until_window_seconds"] != 10.0 {
		t.Errorf("retry line %v (%v): want a warning with the address, retry_until about 10 s from the start, and the window", m, err)
	}
	time.Sleep(700 * time.Millisecond)
	busy.Close()
	m, err = p.nextLog("address free; bound after retrying", 10*time.Second)
	if err != nil {
		t.Fatalf("%v\n%s", err, p.logText())
	}
	// Durations in log fields are numbers of seconds (docs/server.md).
	if w, ok := m["waited_seconds"].(float64); !ok || w < 0.7 || w > 10 {
		t.Errorf("bound line %v: want waited_seconds, the wait in seconds (0.7 to 10)", m)
	}
	if err := p.waitFor("listening", 10*time.Second); err != nil {
		t.Fatalf("did not start once the port was freed: %v\n%s", err, p.logText())
	}
	if code, _, _ := get(t, p.url("/")); code != 200 {
		t.Errorf("GET / = %d", code)
	}
	if n := strings.Count(p.logText(), retrying); n != 1 {
		t.Errorf("the retry is logged %d times, want once:\n%s", n, p.logText())
	}

	busy2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy2.Close()
	port = busy2.Addr().(*net.TCPAddr).Port
	conf = fmt.Sprintf("\n[server:main]\nuse = egg:pasteserve#http\nbind_host = 127.0.0.1\nbind_port = %d\nretry_until_window = 1\n", port)
	q := launch(t, map[string]string{"api.ini": urlmap + apps + conf})
	err = q.wait(10 * time.Second)
	want := fmt.Sprintf("could not bind to 127.0.0.1:%d after trying for 1s: address already in use", port)
	if err == nil || !strings.Contains(q.logText(), want) {
		t.Errorf("exit %v, log:\n%s\nwant %q", err, q.logText(), want)
	}
	for _, msg := range []string{retrying, "address still in use; giving up"} {
		if n := strings.Count(q.logText(), msg); n != 1 {
			t.Errorf("%q logged %d times, want once:\n%s", msg, n, q.logText())
		}
	}
}

func TestSIGTERMLetsInFlightRequestFinish(t *testing.T) {
	p := start(t, map[string]string{"api.ini": urlmap + apps + local})
	result := make(chan string, 1)
	go func() {
		resp, err := client.Get(p.url("/slow?ms=2000"))
		if err != nil {
			result <- "error: " + err.Error()
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		result <- fmt.Sprint(resp.StatusCode, " ", string(body))
	}()
	time.Sleep(500 * time.Millisecond)
	p.signal(syscall.SIGTERM)
	if r := <-result; !strings.HasPrefix(r, "200 slept 2000ms") {
		t.Errorf("in-flight request during SIGTERM: %s", r)
	}
	if err := p.wait(10 * time.Second); err != nil {
		t.Errorf("exit status after SIGTERM: %v, want 0", err)
	}
	if _, err := net.DialTimeout("tcp", p.addr, time.Second); err == nil {
		t.Errorf("still accepting after SIGTERM")
	}
}

func TestSIGHUPSwapsPipelineUnderLoad(t *testing.T) {
	p := start(t, map[string]string{"api.ini": urlmap + apps + local})
	stop := make(chan struct{})
	// Clients that never retry (Go's http.Client would resend a request
	// that failed on a reused connection, hiding a loss).
	// The count is a bound, not the length of the test: the load runs
	// until the new pipeline has answered, then stops.
	load, wait := keepAliveClients(p.addr, "/", 4, 200000, stop, false)
	defer stopLoad(stop, wait)
	if !load.seen("hello", 100, 10*time.Second) {
		t.Fatalf("the old pipeline did not answer under load: %s", load.summary())
	}
	newApps := strings.Replace(apps, "greeting = hello", "greeting = reloaded", 1)
	if err := os.WriteFile(filepath.Join(p.dir, "api.ini"), []byte(urlmap+newApps+local), 0o644); err != nil {
		t.Fatal(err)
	}
	p.signal(syscall.SIGHUP)
	if err := p.waitFor("reloaded: new requests use the rebuilt pipeline", 10*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, p.logText())
	}
	if !load.seen("reloaded", 100, 10*time.Second) {
		t.Errorf("the rebuilt pipeline did not answer under load within 10 s")
	}
	close(stop)
	wait()
	if len(load.failures) != 0 || load.bodies["hello"] == 0 || load.bodies["reloaded"] == 0 {
		t.Errorf("under load across SIGHUP: %s", load.summary())
	}
	t.Logf("across SIGHUP: %s", load.summary())
	if _, body, _ := get(t, p.url("/")); !strings.HasPrefix(body, "reloaded ") {
		t.Errorf("after reload: %q", body)
	}
}

func TestSIGHUPWithBrokenFileKeepsOldPipeline(t *testing.T) {
	p := start(t, map[string]string{"api.ini": urlmap + apps + local})
	broken := urlmap + strings.Replace(apps, "egg:pasteserve#test-hello", "egg:pasteserve#test-helo", 1) + local
	if err := os.WriteFile(filepath.Join(p.dir, "api.ini"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	p.signal(syscall.SIGHUP)
	if err := p.waitFor("reload failed; still serving the previous pipeline", 10*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, p.logText())
	}
	if !strings.Contains(p.logText(), `api.ini:10:7: [app:hello]: no factory is registered for egg:pasteserve#test-helo; nearest registered: egg:pasteserve#test-hello`) {
		t.Errorf("the reload error lacks its position:\n%s", p.logText())
	}
	if code, body, _ := get(t, p.url("/")); code != 200 || !strings.HasPrefix(body, "hello ") {
		t.Errorf("after a failed reload: %d %q", code, body)
	}
}

func TestDebugLogsEveryOptionWithItsSource(t *testing.T) {
	p := start(t, map[string]string{"api.ini": urlmap + apps + local, "svc.conf": "[DEFAULT]\nwsgi_default_pool_size = 7\n"},
		"--debug", "--config-file", "svc.conf", "--workers", "0")
	log := p.logText()
	for _, want := range []string{
		`"option":"DEFAULT.wsgi_default_pool_size","value":"7","source":"svc.conf:2:1"`,
		`"option":"DEFAULT.bind_host","value":"127.0.0.1","source":"api.ini:23:1"`,
		`"option":"DEFAULT.api_workers","value":"0","source":"flag --workers"`,
		`"option":"DEFAULT.backlog","value":"4096","source":"default"`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s\n%s", want, log)
		}
	}
}

func TestSIGINTStopsPromptly(t *testing.T) {
	p := start(t, map[string]string{"api.ini": urlmap + apps + local})
	if code, _, _ := get(t, p.url("/")); code != 200 {
		t.Fatalf("GET / = %d", code)
	}
	p.signal(syscall.SIGINT)
	if err := p.wait(10 * time.Second); err != nil {
		t.Errorf("exit after SIGINT: %v\n%s", err, p.eventsText())
	}
	if !strings.Contains(p.logText(), `"signal":"interrupt","deadline_seconds":5`) {
		t.Errorf("SIGINT should drain with a 5 s deadline:\n%s", p.eventsText())
	}
}

func TestSIGHUPReportsOptionsThatNeedARestart(t *testing.T) {
	p := start(t, map[string]string{"api.ini": urlmap + apps + local})
	if err := os.WriteFile(filepath.Join(p.dir, "api.ini"), []byte(urlmap+apps+local+"wsgi_default_pool_size = 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.signal(syscall.SIGHUP)
	if err := p.waitFor("reloaded: new requests use the rebuilt pipeline", 10*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, p.eventsText())
	}
	found := false
	for _, line := range strings.Split(p.logText(), "\n") {
		found = found || strings.Contains(line, `"option":"wsgi_default_pool_size"`) && strings.Contains(line, "option changed; restart to apply it")
	}
	if !found {
		t.Errorf("no restart warning:\n%s", p.eventsText())
	}
}
