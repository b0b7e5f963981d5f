package bridge

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"

	"github.com/pasteserve/pasteserve/redact"
)

// hostModule is the Python side of the bridge: gunicorn, the loading of
// the tails and the dispatcher (host/pasteserve_host.py).
//
//go:embed host/pasteserve_host.py
var hostModule []byte

// HostModule returns the Python host module that Start runs, as it is
// embedded in the binary.
func HostModule() []byte { return append([]byte(nil), hostModule...) }

// Spec is what a pool runs: the [python] options, the tails every
// worker loads, and what the init and the logging set-up read.
type Spec struct {
	Options
	// PasteFile is the paste file, whose [loggers], [handlers] and
	// [formatters] the workers apply when Logging is on.
	PasteFile string
	// ConfigArgs are pasteserve's --config-file and --config-dir
	// arguments, argv-style ("--config-file", "/etc/x/x.conf"), which an
	// Init callable gets.
	ConfigArgs []string
	// Tails are the tails every worker loads; each Handler of the
	// Client names one of them by its Key.
	Tails []Tail
	// Secrets are the secret values of the configuration the Python
	// side is given (redact.Collect of the tails' local and global
	// configuration, the config files' options, env): Python quotes
	// them in exception messages and tracebacks ("cannot connect to
	// mysql://nova:pw@db"), and prints what it likes. The pool masks
	// them in everything of Python's it logs or returns (output lines,
	// tracebacks, load errors), and, whatever Secrets holds, URL
	// passwords and secret name=value pairs as redact.Text does.
	Secrets redact.Secrets
}

// Timing of restarts and of stopping.
const (
	minBackoff   = 100 * time.Millisecond
	maxBackoff   = 30 * time.Second
	backoffReset = time.Minute // up this long, a pool that exits is restarted at once again
	// hostKeepalive is gunicorn's keepalive: longer than the Client's
	// idle timeout (see idleConnTimeout).
	hostKeepalive = 2 * idleConnTimeout
	// hostGraceful is gunicorn's graceful_timeout: longer than any
	// drain, so that Stop's deadline, not gunicorn, decides when
	// requests are cut off.
	hostGraceful = time.Hour
	// killWait bounds the wait for killed processes to be gone.
	killWait = 5 * time.Second
)

// Pool is a running Python pool: a gunicorn master that pasteserve
// started, its workers, and the supervision that restarts the master
// when it exits on its own. Stop it with Stop.
type Pool struct {
	c    *Client
	spec Spec
	log  zerolog.Logger

	mu       sync.Mutex
	cur      *proc // the master now running, or the last one
	stopping bool

	quit       chan struct{} // closed by Stop: no more restarts
	supervised chan struct{} // closed when supervise has returned
	done       chan struct{} // closed when Stop has finished
	stopOnce   sync.Once
	stopErr    error

	tbMu          sync.Mutex
	lastTraceback string // the last load_error's, logged once
}

// proc is one run of the gunicorn master.
type proc struct {
	pid     int
	started time.Time
	notify  chan event    // ready, load_error and fatal events, for Start
	exited  chan struct{} // closed once the master is reaped and its output read
	state   *os.ProcessState

	mu     sync.Mutex
	reaped bool     // the master's pid may be reused: never signal it
	last   []string // the last lines of stderr that were not gunicorn's

	readers sync.WaitGroup
}

// event is one line of the status channel (see the host module's doc).
type event struct {
	Event     string `json:"event"`
	Pid       int    `json:"pid"`
	Key       string `json:"key"`
	File      string `json:"file"`
	Section   string `json:"section"`
	Init      string `json:"init"`
	Message   string `json:"message"`
	Traceback string `json:"traceback"`
	RequestID string `json:"request_id"`
	Reason    string `json:"reason"`
	// Where is file:line:col in Python's source of a SyntaxError that
	// failed a load.
	Where string `json:"where"`
}

// withDefaults fills the zero values of o with DefaultOptions'.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Engine == "" {
		o.Engine = d.Engine
	}
	if o.Workers <= 0 {
		o.Workers = d.Workers
	}
	if o.Threads <= 0 {
		o.Threads = d.Threads
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = d.StartTimeout
	}
	if o.Timeout <= 0 {
		o.Timeout = d.Timeout
	}
	return o
}

// Start starts a pool for c running spec, and returns once every worker
// has loaded every tail. A tail (or the init) that fails to load fails
// the start with a *LoadError, whose traceback Start has logged; so does
// a pool that exits or does not load within StartTimeout, and ctx ending
// first (ctx bounds the start only: the pool runs until Stop; a start
// it abandons is killed after abandonGrace, since it served nothing,
// and a worker that is importing would not stop sooner). A pool
// that fails to start leaves no process and removes c's directory. Zero
// options take DefaultOptions' values. One Client serves one pool: a
// reload makes a new Client and starts a new pool for it.
//
// The pool logs to log: Python's stdout and stderr line by line
// (source=python), exceptions of the apps with the request id, and its
// restarts.
func Start(ctx context.Context, c *Client, spec Spec, log zerolog.Logger) (*Pool, error) {
	if c == nil || c.dir == "" {
		return nil, errors.New("python bridge: Start needs a Client from NewClient")
	}
	refuse := func(err error) (*Pool, error) {
		c.release()
		return nil, err
	}
	spec.Options = spec.Options.withDefaults()
	if spec.Executable == "" {
		return refuse(errors.New("python bridge: no Python executable (--python, [python] executable)"))
	}
	if spec.Engine != "gunicorn" {
		return refuse(fmt.Errorf("python bridge: engine %q: only gunicorn is supported", spec.Engine))
	}
	for _, kv := range spec.Env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return refuse(fmt.Errorf("python bridge: env %q: want NAME=VALUE", kv))
		}
	}
	if err := os.WriteFile(filepath.Join(c.dir, "pasteserve_host.py"), hostModule, 0o600); err != nil {
		return refuse(fmt.Errorf("python bridge: %w", err))
	}
	p := &Pool{
		c: c, spec: spec, log: log.With().Str("source", "python").Logger(),
		quit: make(chan struct{}), supervised: make(chan struct{}), done: make(chan struct{}),
	}
	begun := time.Now()
	pr, err := p.launch()
	if err != nil {
		return refuse(err)
	}
	p.cur = pr
	fail := func(err error, grace time.Duration) (*Pool, error) {
		close(p.supervised)
		p.Stop(grace)
		return nil, err
	}
	timer := time.NewTimer(spec.StartTimeout)
	defer timer.Stop()
	ready := map[int]bool{}
	loading := map[int]event{} // what each worker not ready yet is loading
	for len(ready) < spec.Workers {
		select {
		case ev := <-pr.notify:
			if err := p.startEvent(ev, ready, loading); err != nil {
				return fail(err, killWait)
			}
		case <-pr.exited:
			// Every event was read before exited closed.
			for {
				select {
				case ev := <-pr.notify:
					if err := p.startEvent(ev, ready, loading); err != nil {
						return fail(err, killWait)
					}
					continue
				default:
				}
				break
			}
			return fail(fmt.Errorf("python bridge: the Python pool exited (%s) before it was ready%s", pr.state, pr.lastLines()), killWait)
		case <-timer.C:
			return fail(p.timeoutError(loading), killWait)
		case <-ctx.Done():
			// Abandoned (SIGTERM during a start or a reload): nothing
			// was served, and a worker busy importing does not heed
			// gunicorn's SIGTERM until it is done, so the pool is killed
			// at once rather than waited for.
			return fail(fmt.Errorf("python bridge: %w", ctx.Err()), abandonGrace)
		}
	}
	p.log.Info().Int("pid", pr.pid).Int("workers", spec.Workers).Int("threads", spec.Threads).Int("tails", len(spec.Tails)).
		Dur("took", time.Since(begun)).Msg("python pool ready")
	go p.supervise(pr)
	return p, nil
}

// abandonGrace is what a pool whose start was abandoned gets to exit
// on SIGTERM before its group is killed.
const abandonGrace = 200 * time.Millisecond

// timeoutError is the error of a start past StartTimeout: a LoadError
// at what a worker that is not ready was loading (a tail, at its
// section, or the init), when one said so, since that is what to look
// at; otherwise only that the workers did not load in time.
func (p *Pool) timeoutError(loading map[int]event) error {
	pids := make([]int, 0, len(loading))
	for pid := range loading {
		pids = append(pids, pid)
	}
	if len(pids) == 0 {
		return fmt.Errorf("python bridge: the Python workers did not load within %s (start_timeout)", p.spec.StartTimeout)
	}
	slices.Sort(pids)
	ev := loading[pids[0]]
	ev.Message = fmt.Sprintf("still loading after %s (start_timeout)", p.spec.StartTimeout)
	return newLoadError(ev, p.spec.Tails)
}

// startEvent takes an event of the start: a ready worker, or the error
// that fails the start.
func (p *Pool) startEvent(ev event, ready map[int]bool, loading map[int]event) error {
	switch ev.Event {
	case "loading":
		loading[ev.Pid] = ev
	case "ready":
		ready[ev.Pid] = true
		delete(loading, ev.Pid)
	case "load_error":
		return newLoadError(ev, p.spec.Tails)
	case "fatal":
		return errors.New("python bridge: " + ev.Message)
	}
	return nil
}

// Client returns the Client the pool serves.
func (p *Pool) Client() *Client { return p.c }

// Done returns a channel that is closed once Stop has stopped the pool.
func (p *Pool) Done() <-chan struct{} { return p.done }

// Pid returns the process id of the gunicorn master now running (it is
// also the pool's process group), or 0 while there is none.
func (p *Pool) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur == nil {
		return 0
	}
	select {
	case <-p.cur.exited:
		return 0
	default:
		return p.cur.pid
	}
}

// Stop stops the pool: no more restarts, SIGTERM to the gunicorn master
// (which lets its workers finish their requests), and, if it has not
// exited within deadline, SIGKILL to its whole process group. It
// returns once no process of the pool is left and its directory is
// removed; the error says whether the pool had to be killed. Stop may be
// called more than once, and from several goroutines: every call
// returns when the first is done.
func (p *Pool) Stop(deadline time.Duration) error {
	p.stopOnce.Do(func() {
		p.mu.Lock()
		p.stopping = true
		pr := p.cur
		p.mu.Unlock()
		close(p.quit)
		<-p.supervised
		p.stopErr = pr.stop(deadline)
		p.c.CloseIdleConnections()
		if err := p.c.release(); err != nil && p.stopErr == nil {
			p.stopErr = fmt.Errorf("python bridge: %w", err)
		}
		close(p.done)
	})
	<-p.done
	return p.stopErr
}

// stop stops pr: SIGTERM, then SIGKILL of its group after deadline.
func (pr *proc) stop(deadline time.Duration) error {
	if pr == nil {
		return nil
	}
	pr.signal(syscall.SIGTERM, false)
	t := time.NewTimer(deadline)
	defer t.Stop()
	var err error
	select {
	case <-pr.exited:
	case <-t.C:
		pr.signal(syscall.SIGKILL, true)
		err = fmt.Errorf("python bridge: the Python pool did not stop within %s: killed", deadline)
		select {
		case <-pr.exited:
		case <-time.After(killWait):
			return fmt.Errorf("python bridge: the Python pool (pid %d) did not exit after SIGKILL", pr.pid)
		}
	}
	// The master's exit killed its group; the kernel takes a moment to
	// remove the processes.
	for end := time.Now().Add(killWait); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if len(GroupMembers(pr.pid)) == 0 {
			return err
		}
	}
	return fmt.Errorf("python bridge: processes %v of the Python pool are still running", GroupMembers(pr.pid))
}

// signal sends sig to the master, or to its process group, unless the
// master has been reaped (its pid may then be another process's).
func (pr *proc) signal(sig syscall.Signal, group bool) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.reaped {
		return
	}
	if group {
		syscall.Kill(-pr.pid, sig)
	} else {
		syscall.Kill(pr.pid, sig)
	}
}

// supervise restarts the master when it exits on its own, with
// exponential backoff, reset once a master has been up backoffReset.
// Meanwhile the socket refuses connections, and the Handlers answer
// 503 with Retry-After.
func (p *Pool) supervise(pr *proc) {
	defer close(p.supervised)
	backoff := minBackoff
	for {
		select {
		case <-pr.exited:
		case <-p.quit:
			return
		}
		up := time.Since(pr.started)
		if up >= backoffReset {
			backoff = minBackoff
		}
		p.log.Error().Int("pid", pr.pid).Str("status", pr.state.String()).Dur("up", up).Dur("restart_in", backoff).
			Msg("python pool exited; restarting it")
		for {
			select {
			case <-time.After(backoff):
			case <-p.quit:
				return
			}
			backoff = min(2*backoff, maxBackoff)
			p.mu.Lock()
			if p.stopping {
				p.mu.Unlock()
				return
			}
			next, err := p.launch()
			if err == nil {
				p.cur = next
			}
			p.mu.Unlock()
			if err == nil {
				pr = next
				p.log.Info().Int("pid", pr.pid).Msg("python pool restarted")
				break
			}
			p.log.Error().Err(err).Dur("restart_in", backoff).Msg("python pool could not be started; retrying")
		}
	}
}

// hostSpec is the spec file the host module reads (and deletes).
type hostSpec struct {
	Dir             string     `json:"dir"`
	Socket          string     `json:"socket"`
	Key             string     `json:"key"`
	PPID            int        `json:"ppid"`
	Workers         int        `json:"workers"`
	Threads         int        `json:"threads"`
	Timeout         int        `json:"timeout"`
	GracefulTimeout int        `json:"graceful_timeout"`
	Keepalive       int        `json:"keepalive"`
	Path            []string   `json:"path"`
	Init            string     `json:"init"`
	ConfigArgs      []string   `json:"config_args"`
	Logging         bool       `json:"logging"`
	PasteFile       string     `json:"paste_file"`
	Tails           []hostTail `json:"tails"`
}

func seconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }

// writeSpec writes the spec file of one run, readable by pasteserve's
// user only, in the private directory.
func (p *Pool) writeSpec() (string, error) {
	s := hostSpec{
		Dir: p.c.dir, Socket: p.c.socket, Key: base64.RawURLEncoding.EncodeToString(p.c.key), PPID: os.Getpid(),
		Workers: p.spec.Workers, Threads: p.spec.Threads, Timeout: seconds(p.spec.Timeout),
		GracefulTimeout: seconds(hostGraceful), Keepalive: seconds(hostKeepalive),
		Path: p.spec.Path, Init: p.spec.Init, ConfigArgs: p.spec.ConfigArgs, Logging: p.spec.Logging,
		PasteFile: abs(p.spec.PasteFile),
	}
	for _, t := range p.spec.Tails {
		h := hostTailOf(t)
		h.Key, h.Section = t.Key, t.Section
		s.Tails = append(s.Tails, h)
	}
	b, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	path := filepath.Join(p.c.dir, "spec.json")
	return path, os.WriteFile(path, b, 0o600)
}

// dropEnv are variables of pasteserve's environment that the Python
// processes must not see: the pool's own (the key), systemd's socket
// activation and notification (gunicorn would take fd 3 as a listener,
// and tell systemd it is ready), gunicorn's re-exec fds, and a
// SCRIPT_NAME (gunicorn would strip it from every path).
var dropEnv = []string{EnvSocket, EnvKey, "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET", "WATCHDOG_PID", "WATCHDOG_USEC", "GUNICORN_FD", "SCRIPT_NAME"}

// env is the environment of the Python processes.
func (p *Pool) env() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, d := range dropEnv {
			drop = drop || k == d
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return append(out, p.spec.Env...)
}

// launch starts one gunicorn master: the host module in the private
// directory, in a process group of its own (so that a terminal's Ctrl-C
// reaches pasteserve alone, which drains Go first), with fd 3 the
// status channel.
func (p *Pool) launch() (*proc, error) {
	specPath, err := p.writeSpec()
	if err != nil {
		return nil, fmt.Errorf("python bridge: %w", err)
	}
	var pipes [3][2]*os.File // status, stdout, stderr: read, write ends
	for i := range pipes {
		r, w, err := os.Pipe()
		if err != nil {
			for _, pp := range pipes[:i] {
				pp[0].Close()
				pp[1].Close()
			}
			return nil, fmt.Errorf("python bridge: %w", err)
		}
		pipes[i] = [2]*os.File{r, w}
	}
	cmd := exec.Command(p.spec.Executable, filepath.Join(p.c.dir, "pasteserve_host.py"), specPath)
	cmd.Env = p.env()
	cmd.Stdout, cmd.Stderr = pipes[1][1], pipes[2][1]
	cmd.ExtraFiles = []*os.File{pipes[0][1]}
	// Pdeathsig: SIGTERM when the thread that started the master ends,
	// which is when pasteserve does (the thread below is locked until
	// the master is reaped).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}

	pr := &proc{notify: make(chan event, 256), exited: make(chan struct{})}
	pr.readers.Add(3)
	started := make(chan error, 1)
	go func() {
		// Never unlocked: the goroutine ends only once the master is
		// reaped, and the runtime then retires the thread with it.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		pr.pid, pr.started = cmd.Process.Pid, time.Now()
		started <- nil
		waitExited(pr.pid)
		// The master is gone but not reaped, so its pid is still its
		// group's: kill what is left of the group (a worker that has not
		// noticed, a subprocess of an app).
		pr.mu.Lock()
		syscall.Kill(-pr.pid, syscall.SIGKILL)
		pr.reaped = true
		pr.mu.Unlock()
		cmd.Wait()
		pr.state = cmd.ProcessState
		done := make(chan struct{})
		go func() { pr.readers.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(killWait):
			// A process outside the group holds a pipe open.
			for _, pp := range pipes {
				pp[0].Close()
			}
			<-done
		}
		close(pr.exited)
	}()
	err = <-started
	for _, pp := range pipes {
		pp[1].Close()
	}
	if err != nil {
		for _, pp := range pipes {
			pp[0].Close()
		}
		return nil, fmt.Errorf("python bridge: %w", err)
	}
	go p.readStatus(pr, pipes[0][0])
	go p.readOutput(pr, pipes[1][0], "stdout")
	go p.readOutput(pr, pipes[2][0], "stderr")
	return pr, nil
}

// waitExited waits for pid to exit without reaping it (WNOWAIT).
func waitExited(pid int) {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return
		}
	}
}

// maxLine bounds what one line of Python's output may take in the log.
const maxLine = 1 << 20

// readLines calls fn with each line of r, without its newline; a line
// longer than maxLine is cut there, and the rest of it dropped.
func readLines(r io.Reader, fn func(string)) {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if len(long) < maxLine {
				long = append(long, chunk[:min(len(chunk), maxLine-len(long))]...)
			}
			continue
		}
		if len(chunk) > 0 || len(long) > 0 {
			if len(long) < maxLine {
				long = append(long, chunk[:min(len(chunk), maxLine-len(long))]...)
			}
			fn(strings.TrimRight(string(long), "\r\n"))
			long = long[:0]
		}
		if err != nil {
			return
		}
	}
}

// gunicornLine is a line of gunicorn's log as the host formats it.
var gunicornLine = regexp.MustCompile(`^\[(\d+)\] \[([A-Z]+)\] (.*)$`)

var levels = map[string]zerolog.Level{
	"DEBUG": zerolog.DebugLevel, "INFO": zerolog.InfoLevel, "WARNING": zerolog.WarnLevel,
	"ERROR": zerolog.ErrorLevel, "CRITICAL": zerolog.ErrorLevel,
}

// unescape undoes the host's escaping of a log record's newlines.
var unescape = strings.NewReplacer(`\\`, `\`, `\n`, "\n")

func (p *Pool) readOutput(pr *proc, r *os.File, stream string) {
	defer pr.readers.Done()
	defer r.Close()
	readLines(r, func(line string) {
		line = p.spec.Secrets.Text(line)
		if m := gunicornLine.FindStringSubmatch(line); m != nil && stream == "stderr" {
			level, ok := levels[m[2]]
			if !ok {
				level = zerolog.InfoLevel
			}
			pid, _ := strconv.Atoi(m[1])
			p.log.WithLevel(level).Int("pid", pid).Msg(p.spec.Secrets.Text(unescape.Replace(m[3])))
			return
		}
		if stream == "stderr" {
			pr.mu.Lock()
			if pr.last = append(pr.last, line); len(pr.last) > 5 {
				pr.last = pr.last[1:]
			}
			pr.mu.Unlock()
		}
		p.log.Info().Str("stream", stream).Int("pid", pr.pid).Msg(line)
	})
}

// lastLines is the end of what the master wrote to stderr, for an error
// message: ": ..." or "".
func (pr *proc) lastLines() string {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if len(pr.last) == 0 {
		return ""
	}
	return ": " + pr.last[len(pr.last)-1]
}

func (p *Pool) readStatus(pr *proc, r *os.File) {
	defer pr.readers.Done()
	defer r.Close()
	readLines(r, func(line string) {
		var ev event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			p.log.Warn().Str("line", p.spec.Secrets.Text(line)).Msg("python bridge: unreadable status line")
			return
		}
		// Masked once, here: the log lines below and the LoadError that
		// Start returns are made of these.
		ev.Message, ev.Traceback, ev.Reason = p.spec.Secrets.Text(ev.Message), p.spec.Secrets.Text(ev.Traceback), p.spec.Secrets.Text(ev.Reason)
		switch ev.Event {
		case "loading":
			p.log.Debug().Int("pid", ev.Pid).Str("tail", ev.Key).Str("section", ev.Section).Str("init", ev.Init).Msg("python worker loading")
		case "ready":
			p.log.Debug().Int("pid", ev.Pid).Msg("python worker loaded")
		case "load_error":
			le := newLoadError(ev, p.spec.Tails)
			l := p.log.Error().Int("pid", ev.Pid)
			p.tbMu.Lock()
			if ev.Traceback != p.lastTraceback {
				l = l.Str("traceback", ev.Traceback)
				p.lastTraceback = ev.Traceback
			}
			p.tbMu.Unlock()
			l.Msg(le.Error())
		case "exception":
			p.log.Error().Int("pid", ev.Pid).Str("request_id", ev.RequestID).Str("tail", ev.Key).Str("traceback", ev.Traceback).
				Msg("python app raised an exception")
		case "refused":
			p.log.Error().Int("pid", ev.Pid).Str("reason", ev.Reason).Msg("python bridge: request refused: no valid carrier")
		case "fatal":
			p.log.Error().Msg("python bridge: " + ev.Message)
		}
		select {
		case pr.notify <- ev:
		default:
		}
	})
}

// GroupMembers returns the processes, zombies aside, whose process group
// is pgid: what is left of a pool whose master had that pid.
func GroupMembers(pgid int) []int {
	dirs, _ := os.ReadDir("/proc")
	var out []int
	for _, d := range dirs {
		var pid int
		if _, err := fmt.Sscanf(d.Name(), "%d", &pid); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + d.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		var state byte
		var ppid, pgrp int
		if _, err := fmt.Sscanf(s[i+1:], " %c %d %d", &state, &ppid, &pgrp); err != nil {
			continue
		}
		if pgrp == pgid && state != 'Z' && state != 'X' {
			out = append(out, pid)
		}
	}
	return out
}
