package bridge

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"

	"github.com/pasteserve/pasteserve/fault"
	"github.com/pasteserve/pasteserve/reqlog"
	"github.com/pasteserve/pasteserve/request"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// The environment variables Env sets and ClientFromEnv reads.
const (
	EnvSocket = "PASTESERVE_PYTHON_SOCKET"
	EnvKey    = "PASTESERVE_PYTHON_KEY"
)

// keyLen is the carrier key's length: 32 random bytes, HMAC-SHA256's
// block-size-independent recommendation for its key.
const keyLen = 32

// maxSocketPath is what a unix socket's path may be on Linux
// (sun_path's 108 bytes, less the terminating NUL).
const maxSocketPath = 107

// Client reaches one Python pool: the pool's unix socket, the key that
// signs the carrier, and the HTTP transport over the socket. It is
// what a Go handler needs of the pool, and all a Go worker process
// holds (ClientFromEnv): the pool itself lives in pasteserve's master.
//
// A Client counts the requests it is forwarding (InFlight, WaitIdle),
// so that a reload stops the old pool only once nothing uses it.
type Client struct {
	dir       string   // the private directory, "" for a client from the environment
	lock      *os.File // dir's owner lock, held while the pool may use dir
	socket    string
	key       []byte
	transport *http.Transport
	inflight  atomic.Int64
	mu        sync.Mutex
	idle      chan struct{} // closed when inflight drops to 0; nil while 0
}

// NewClient makes a new private directory (mode 0700) inside dir
// (os.TempDir() when dir is ""), names the pool's socket in it and
// draws a fresh 32-byte key. Start runs a pool for it; the pool's Stop
// removes the directory. Each pool gets its own Client: a reload makes
// a new one, so the old and new pools never share a socket or a key.
//
// The directory holds an owner lock (ownerLock), locked with flock for
// as long as this process lives or until the pool is stopped: a
// process killed before it could remove its directory (SIGKILL during
// a start, say) leaves it behind, perhaps with the spec file and the
// key in it, and the kernel releases its lock. So NewClient first
// sweeps dir of this user's pool directories whose lock it can take:
// their owners are gone, whenever and however they died.
func NewClient(dir string) (*Client, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	sweep(dir)
	var d string
	var lock *os.File
	for attempt := 0; ; attempt++ {
		var err error
		if d, err = os.MkdirTemp(dir, dirPrefix); err != nil {
			return nil, fmt.Errorf("python bridge: %w", err)
		}
		if lock, err = lockDir(d); err == nil {
			break
		}
		os.RemoveAll(d)
		if !errors.Is(err, errSwept) || attempt == 2 {
			return nil, fmt.Errorf("python bridge: %w", err)
		}
	}
	c, err := func() (*Client, error) {
		if err := os.Chmod(d, 0o700); err != nil {
			return nil, fmt.Errorf("python bridge: %w", err)
		}
		socket := filepath.Join(d, "python.sock")
		if len(socket) > maxSocketPath {
			return nil, fmt.Errorf("python bridge: the socket path %s is longer than a unix socket's %d bytes: set TMPDIR to a shorter directory", socket, maxSocketPath)
		}
		key := make([]byte, keyLen)
		rand.Read(key)
		c := newClient(socket, key)
		c.dir, c.lock = d, lock
		return c, nil
	}()
	if err != nil {
		os.RemoveAll(d)
		lock.Close()
	}
	return c, err
}

// dirPrefix begins the name of every pool directory, which sweep looks
// for.
const dirPrefix = "pasteserve-python-"

// ownerLock is the file in a pool directory that its owner holds
// flock(LOCK_EX) on.
const ownerLock = "owner.lock"

// errSwept is a directory that a sweep of another process removed
// between its creation and its lock.
var errSwept = errors.New("the new directory was swept before it was locked")

// lockDir creates d's owner lock and locks it. The descriptor is
// close-on-exec, so that no child (the Python processes, Go workers)
// holds the lock past pasteserve. A sweep may take the lock in the
// moment between creating the file and locking it, and remove d:
// locking then succeeds on a file that is no longer d's, which the
// check after it sees (errSwept).
func lockDir(d string) (*os.File, error) {
	path := filepath.Join(d, ownerLock)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, err
	}
	if err := flock(f, unix.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	fi, err1 := f.Stat()
	pi, err2 := os.Stat(path)
	if err1 != nil || err2 != nil || !os.SameFile(fi, pi) {
		f.Close()
		return nil, errSwept
	}
	return f, nil
}

func flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			return err
		}
	}
}

// sweep removes the pool directories in dir that belong to this user
// and whose owner lock is free: their owner is dead. Directories
// without an owner lock are left alone: one being made (its lock comes
// a moment later), or an older pasteserve's, which had none and may be
// running. It takes the lock before removing, so that two sweeps, or a
// sweep and the owner, never both win.
func sweep(dir string) {
	matches, _ := filepath.Glob(filepath.Join(dir, dirPrefix+"*"))
	for _, d := range matches {
		fi, err := os.Lstat(d)
		if err != nil || !fi.IsDir() {
			continue
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != os.Geteuid() {
			continue
		}
		f, err := os.OpenFile(filepath.Join(d, ownerLock), os.O_RDWR|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
		if err != nil {
			continue
		}
		if flock(f, unix.LOCK_EX|unix.LOCK_NB) == nil {
			os.RemoveAll(d)
		}
		f.Close()
	}
}

// release removes the Client's directory and gives up its owner lock,
// in that order, so that a sweep never sees the directory unlocked
// while it is in use. The pool's Stop, and a Start that fails, call it.
func (c *Client) release() error {
	if c.dir == "" {
		return nil
	}
	err := os.RemoveAll(c.dir)
	if c.lock != nil {
		c.lock.Close()
		c.lock = nil
	}
	return err
}

// ClientFromEnv returns the Client that Env described to this process
// (a Go worker of pasteserve's), and false with no error when the
// environment names none.
func ClientFromEnv() (*Client, bool, error) {
	socket, key := os.Getenv(EnvSocket), os.Getenv(EnvKey)
	if socket == "" && key == "" {
		return nil, false, nil
	}
	k, err := base64.RawURLEncoding.DecodeString(key)
	if socket == "" || err != nil || len(k) != keyLen {
		return nil, false, fmt.Errorf("python bridge: %s and %s do not describe a pool (want a socket path and a %d-byte key in unpadded base64url)", EnvSocket, EnvKey, keyLen)
	}
	return newClient(socket, k), true, nil
}

// Env returns the environment entries ("NAME=value") that make
// ClientFromEnv in a child process return a Client of the same pool:
// for pasteserve's Go workers, never for the Python processes.
func (c *Client) Env() []string {
	return []string{EnvSocket + "=" + c.socket, EnvKey + "=" + base64.RawURLEncoding.EncodeToString(c.key)}
}

// Socket returns the path of the pool's unix socket.
func (c *Client) Socket() string { return c.socket }

// idleConnTimeout is how long an idle connection to the pool is kept:
// less than the keepalive the host gives gunicorn (hostKeepalive), so
// that Go, not gunicorn, closes an idle connection, and a request is
// never written to one gunicorn is closing.
const idleConnTimeout = 60 * time.Second

func newClient(socket string, key []byte) *Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &Client{socket: socket, key: key, transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", socket)
		},
		// The body goes through as the app wrote it: the client, not
		// the bridge, negotiates encodings.
		DisableCompression:  true,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     idleConnTimeout,
	}}
}

// InFlight returns how many requests the Client is forwarding now.
func (c *Client) InFlight() int64 { return c.inflight.Load() }

// WaitIdle returns once no request is being forwarded through c (at
// once if none is), or ctx's error when ctx ends first. Requests that
// start afterwards are not waited for: the caller has stopped routing
// them to c first.
func (c *Client) WaitIdle(ctx context.Context) error {
	for {
		c.mu.Lock()
		if c.inflight.Load() == 0 {
			c.mu.Unlock()
			return nil
		}
		if c.idle == nil {
			c.idle = make(chan struct{})
		}
		idle := c.idle
		c.mu.Unlock()
		select {
		case <-idle:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (c *Client) begin() { c.inflight.Add(1) }

func (c *Client) end() {
	if c.inflight.Add(-1) != 0 {
		return
	}
	c.mu.Lock()
	if c.idle != nil && c.inflight.Load() == 0 {
		close(c.idle)
		c.idle = nil
	}
	c.mu.Unlock()
}

// CloseIdleConnections closes the Client's idle connections to the
// pool, for a pool that is being stopped.
func (c *Client) CloseIdleConnections() { c.transport.CloseIdleConnections() }

// Handler returns the handler that forwards requests to the tail t in
// the pool, with the carrier that makes the WSGI environ what Go knows
// of the request (see the package doc). The request and response
// bodies are streamed, both ways. It answers 503 with Retry-After while
// the pool cannot be reached (it is starting or restarting) and 502
// when the pool fails a request it had accepted, with a JSON fault and
// the reason in the log, never Python's.
func (c *Client) Handler(t Tail) http.Handler {
	h := &handler{c: c, key: t.Key}
	h.proxy = &httputil.ReverseProxy{
		Rewrite:       h.rewrite,
		Transport:     c.transport,
		FlushInterval: -1,
		ErrorHandler:  h.fail,
		ErrorLog:      proxyLog,
		BufferPool:    copyBuffers,
	}
	return h
}

// copyBuffers are the buffers ReverseProxy copies response bodies with.
// Without a pool it makes a 32 KB buffer for every response: five times
// what the rest of a request through the bridge allocates, and the
// garbage collector's work with it.
var copyBuffers httputil.BufferPool = &bufferPool{}

// bufferPool is an httputil.BufferPool of 32 KB buffers, ReverseProxy's
// own size.
type bufferPool struct{ p sync.Pool }

func (bp *bufferPool) Get() []byte {
	if b, ok := bp.p.Get().(*[]byte); ok {
		return *b
	}
	return make([]byte, 32<<10)
}

func (bp *bufferPool) Put(b []byte) { bp.p.Put(&b) }

type handler struct {
	c     *Client
	key   string
	proxy *httputil.ReverseProxy
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.c.begin()
	defer h.c.end()
	// An app may answer before it has read the whole body (an upload
	// refused early, a streaming echo): without full duplex, Go's
	// HTTP/1 server would read the rest of the body away first.
	http.NewResponseController(w).EnableFullDuplex()
	h.proxy.ServeHTTP(w, r)
}

// forwardedHeaders are the headers ReverseProxy deletes before Rewrite;
// the Python stack gets them as the client sent them, as it would
// without pasteserve in front (Go's http_proxy_to_wsgi has applied
// them already, and the carrier says the result).
var forwardedHeaders = []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"}

func (h *handler) rewrite(pr *httputil.ProxyRequest) {
	in, out := pr.In, pr.Out
	for _, k := range forwardedHeaders {
		if v, ok := in.Header[k]; ok {
			out.Header[k] = v
		}
	}
	for k := range out.Header {
		if reserved(k) {
			delete(out.Header, k)
		}
	}
	// Go's server has answered a 100-continue already, on the first read
	// of the body.
	delete(out.Header, "Expect")
	out.Header[CarrierHeader] = []string{sign(h.c.key, carrierOf(in, h.key))}
	// The Go span that reached Python is the Python side's parent: its
	// WSGI environ's HTTP_TRACEPARENT is that span's, not the client's.
	if trace.SpanContextFromContext(in.Context()).IsValid() {
		delete(out.Header, "Tracestate") // the client's, if the span has none (apps.propagateTrace)
		propagation.TraceContext{}.Inject(in.Context(), propagation.HeaderCarrier(out.Header))
	}
	out.URL.Scheme, out.URL.Host = "http", "python"
	// The full path the client asked for, the carrier saying where
	// SCRIPT_NAME ends, and spelt as the client spelt it, with its
	// query as it was (ReverseProxy re-encodes one that net/url cannot
	// parse, dropping what it cannot): gunicorn's RAW_URI is the
	// request target as it arrives.
	full := request.ScriptName(in) + in.URL.Path
	out.URL.Path, out.URL.RawPath = full, clientPath(in, full)
	out.URL.RawQuery = in.URL.RawQuery
	out.Host = in.Host
}

// clientPath returns the path of in's request target as the client sent
// it, when it is an escaping of path (what Go's routing split into the
// script name and the URL's path, decoded), and "" otherwise, when a Go
// filter has changed the path: the URL then escapes path itself.
func clientPath(in *http.Request, path string) string {
	p := in.RequestURI
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if i := strings.Index(p, "://"); i >= 0 && !strings.HasPrefix(p, "/") {
		// absolute-form: scheme://authority/path
		j := strings.IndexByte(p[i+3:], '/')
		if j < 0 {
			return ""
		}
		p = p[i+3+j:]
	}
	if u, err := url.PathUnescape(p); err != nil || u != path {
		return ""
	}
	return p
}

// fail answers a request the pool did not: 503 when it could not be
// reached, 502 when it broke off.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		// The client has gone; nobody reads an answer.
		reqlog.From(r.Context()).Debug().Err(err).Str("tail", h.key).Msg("python bridge: client went away")
		return
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT) {
		reqlog.From(r.Context()).Warn().Err(err).Str("tail", h.key).Msg("python bridge: the Python workers are not available")
		w.Header().Set("Retry-After", "1")
		fault.Write(w, r, http.StatusServiceUnavailable, "The service is starting or restarting; retry shortly.")
		return
	}
	reqlog.From(r.Context()).Error().Err(err).Str("tail", h.key).Msg("python bridge: the Python workers did not answer")
	fault.Write(w, r, http.StatusBadGateway, "The service failed to answer.")
}

// proxyLog takes what ReverseProxy logs outside ErrorHandler (a body
// copy that failed midway) to pasteserve's log.
var proxyLog = log.New(logWriter{}, "", 0)

type logWriter struct{}

func (logWriter) Write(p []byte) (int, error) {
	reqlog.From(context.Background()).WithLevel(zerolog.WarnLevel).Msg(strings.TrimSpace(string(p)))
	return len(p), nil
}
