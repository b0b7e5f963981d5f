package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// load is the test's traffic: clients that each keep one connection to
// HAProxy alive and send request after request on it with their token,
// and never retry. Every request is a POST with a body that cannot be
// sent again (GetBody is nil, no Idempotency-Key): net/http's Transport
// resends a request on a fresh connection only when it can replay it
// (RFC 9110's idempotent methods, or a body it can get again), so every
// error reaches the loop, which counts it.
type load struct {
	url     string
	clients []*loadClient
	think   time.Duration // the pause between a client's requests
	stop    chan struct{}
	wg      sync.WaitGroup
}

// loadClient is one client of the load.
type loadClient struct {
	id       int
	token    string
	wantUser string // the user id auth_token must say the token is of

	dials  atomic.Int64 // connections opened to HAProxy
	client *http.Client // made by newLoadClient
	seq    int          // the next request's number

	mu       sync.Mutex
	sent     int // requests sent, each counted once
	ok       int // 2xx with the right identity
	failures []failure
}

// failure is a request that did not get a 2xx with the right identity.
type failure struct {
	at     time.Time
	client int
	seq    int
	kind   string // "reset", "eof", "timeout", "error", "status", "identity"
	detail string
}

func (f failure) String() string {
	return fmt.Sprintf("%s client %d request %d: %s: %s", f.at.Format("15:04:05.000"), f.client, f.seq, f.kind, f.detail)
}

// maxPerClient bounds each client's requests, whatever the test's
// timing; think bounds the rate (a client sends at most one request per
// think plus a round trip).
const maxPerClient = 100000

// start runs the clients until stopAndWait.
func (l *load) start() {
	l.stop = make(chan struct{})
	for _, c := range l.clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			c.run(l.url, l.think, l.stop)
		}()
	}
}

// stopAndWait stops the clients, waits for their last requests and
// closes their connections.
func (l *load) stopAndWait() {
	close(l.stop)
	l.wg.Wait()
	for _, c := range l.clients {
		c.client.CloseIdleConnections()
	}
}

// newLoadClient returns a client with its own http.Client: one
// keep-alive connection, counted when it is opened, and a bounded wait
// for each answer.
func newLoadClient(id int, token, wantUser string) *loadClient {
	c := &loadClient{id: id, token: token, wantUser: wantUser}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c.dials.Add(1)
			return dialer.DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 1,
		MaxConnsPerHost:     1,
		IdleConnTimeout:     5 * time.Minute,
		DisableCompression:  true,
	}
	c.client = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	return c
}

// run sends requests until stop is closed, at most maxPerClient in all.
func (c *loadClient) run(url string, think time.Duration, stop <-chan struct{}) {
	for c.seq < maxPerClient {
		select {
		case <-stop:
			return
		default:
		}
		c.one(url)
		if think > 0 {
			time.Sleep(think)
		}
	}
}

// one sends the client's next request and counts what it got.
func (c *loadClient) one(url string) {
	seq := c.seq
	c.seq++
	req, err := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/v1/fleet?client=%d&seq=%d", url, c.id, seq), strings.NewReader("ping"))
	if err != nil {
		panic(err)
	}
	req.GetBody = nil // not replayable: the Transport must not resend it
	req.Header.Set("X-Auth-Token", c.token)
	req.Header.Set("Content-Type", "text/plain")
	c.mu.Lock()
	c.sent++
	c.mu.Unlock()
	fail := func(kind, detail string) {
		c.mu.Lock()
		c.failures = append(c.failures, failure{at: time.Now(), client: c.id, seq: seq, kind: kind, detail: detail})
		c.mu.Unlock()
	}
	resp, err := c.client.Do(req)
	if err != nil {
		fail(errorKind(err), err.Error())
		return
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		fail(errorKind(err), "reading the body: "+err.Error())
		return
	}
	if resp.StatusCode/100 != 2 {
		fail("status", fmt.Sprintf("%s: %.200s", resp.Status, body))
		return
	}
	// echo shows the headers the app got: auth_token's X-User-Id must
	// be the token's user.
	var echo struct {
		Headers map[string][]string `json:"headers"`
	}
	if err := json.Unmarshal(body, &echo); err != nil || len(echo.Headers["X-User-Id"]) != 1 || echo.Headers["X-User-Id"][0] != c.wantUser {
		fail("identity", fmt.Sprintf("X-User-Id %v, want %s (%v)", echo.Headers["X-User-Id"], c.wantUser, err))
		return
	}
	c.mu.Lock()
	c.ok++
	c.mu.Unlock()
}

// errorKind names a transport error: a connection reset, an EOF (the
// connection closed with no answer), a timeout, or another error.
func errorKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNRESET):
		return "reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "eof"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return "error"
}

// totals adds up the clients' counts.
func (l *load) totals() (sent, ok int, dials int64, failures []failure) {
	for _, c := range l.clients {
		c.mu.Lock()
		sent += c.sent
		ok += c.ok
		failures = append(failures, c.failures...)
		c.mu.Unlock()
		dials += c.dials.Load()
	}
	return sent, ok, dials, failures
}
