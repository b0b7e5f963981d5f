package tokenauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// keystoneSession is auth_token's own standing with Keystone, what
// keystoneauth's session and password plugin are to keystonemiddleware:
// the filter's service token, got by password authentication when first
// needed and renewed before it expires, the identity endpoint to
// validate against, and the HTTP client with its retries.
//
// The token is fetched lazily, not when the pipeline is built, so a
// service starts while Keystone is down and its requests answer 503
// until Keystone is back.
type keystoneSession struct {
	client     *http.Client
	authURL    string // the v3 root auth_url names, no trailing slash
	authBody   []byte // the password authentication request, made at build time
	iface      string // interface: which catalog endpoint validates tokens
	region     string // region_name
	retries    int    // http_request_max_retries, for failures to connect
	retryDelay time.Duration
	now        func() time.Time

	current atomic.Pointer[serviceToken]

	renew       sync.Mutex // one renewal at a time; readers use current
	failure     error      // the last renewal's failure, under renew
	failedUntil time.Time  // until when that failure is answered again
}

// serviceToken is the filter's own token.
type serviceToken struct {
	id       string
	renewAt  time.Time
	expires  time.Time
	endpoint string // the v3 root to validate tokens at
}

// minTokenLife is how long before expiry the service token is renewed:
// keystoneauth's MIN_TOKEN_LIFE_SECONDS, or half the token's life when
// that is shorter, so a short-lived token is not renewed on every use.
const minTokenLife = 120 * time.Second

// failureMemory is how long a failed authentication is answered again
// without asking Keystone: when Keystone is down, requests fail fast
// instead of queueing behind one another's timeouts.
const failureMemory = time.Second

// token returns a service token that is not about to expire.
func (s *keystoneSession) token(ctx context.Context) (*serviceToken, error) {
	if t := s.current.Load(); t != nil && s.now().Before(t.renewAt) {
		return t, nil
	}
	s.renew.Lock()
	defer s.renew.Unlock()
	cur := s.current.Load()
	if cur != nil && s.now().Before(cur.renewAt) {
		return cur, nil
	}
	err := s.failure
	if !s.now().Before(s.failedUntil) {
		var t *serviceToken
		if t, err = s.authenticate(ctx); err == nil {
			s.current.Store(t)
			return t, nil
		}
		s.failure, s.failedUntil = err, s.now().Add(failureMemory)
	}
	// A token due for renewal still works until it expires.
	if cur != nil && s.now().Before(cur.expires) {
		return cur, nil
	}
	return nil, err
}

// invalidate forgets t after Keystone refused it, so the next use
// authenticates again.
func (s *keystoneSession) invalidate(t *serviceToken) { s.current.CompareAndSwap(t, nil) }

// authenticate gets a new service token by password.
func (s *keystoneSession) authenticate(ctx context.Context) (*serviceToken, error) {
	resp, err := s.do(ctx, func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.authURL+"/auth/tokens", bytes.NewReader(s.authBody))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json")
			// Authenticating twice is harmless; marked idempotent (nil:
			// not sent), the request is sent again when a kept-alive
			// connection turns out closed, as GETs are. uwsgi's
			// http-socket closes them.
			req.Header["Idempotency-Key"] = nil
		}
		return req, err
	})
	if err != nil {
		return nil, fmt.Errorf("authenticating auth_token's service user at %s: %w", s.authURL, err)
	}
	defer drainClose(resp)
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return nil, fmt.Errorf("Keystone at %s rejected auth_token's service credentials (401): check username, password, domains and project", s.authURL)
	case resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("Keystone at %s answered %s to auth_token's password authentication", s.authURL, resp.Status)
	}
	var body struct {
		Token struct {
			ExpiresAt string      `json:"expires_at"`
			Catalog   []v3Service `json:"catalog"`
		} `json:"token"`
	}
	id := resp.Header.Get("X-Subject-Token")
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxKeystoneBody)).Decode(&body); err != nil || id == "" {
		return nil, fmt.Errorf("Keystone at %s answered password authentication without a token (%v)", s.authURL, err)
	}
	expires, err := parseKeystoneTime(body.Token.ExpiresAt)
	if err != nil {
		return nil, fmt.Errorf("Keystone at %s: service token: %w", s.authURL, err)
	}
	t := &serviceToken{id: id, expires: expires, endpoint: identityEndpoint(body.Token.Catalog, s.iface, s.region)}
	if t.endpoint == "" {
		// Keystone's bootstrap registers public and admin endpoints
		// only, unless told otherwise; auth_url answers too.
		t.endpoint = s.authURL
	}
	now := s.now()
	t.renewAt = expires.Add(-min(minTokenLife, expires.Sub(now)/2))
	return t, nil
}

// maxKeystoneBody bounds what is read of a Keystone answer; a token with
// a large catalog is tens of kilobytes.
const maxKeystoneBody = 8 << 20

// do sends the request newReq makes, again after a failure to connect
// (nothing was sent), up to retries times with keystoneauth's backoff:
// half a second, doubling.
func (s *keystoneSession) do(ctx context.Context, newReq func() (*http.Request, error)) (*http.Response, error) {
	delay := s.retryDelay
	for attempt := 0; ; attempt++ {
		req, err := newReq()
		if err != nil {
			return nil, err
		}
		resp, err := s.client.Do(req)
		if err == nil || attempt >= s.retries || !isConnectFailure(err) {
			return resp, err
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, err
		}
		delay *= 2
	}
}

// isConnectFailure reports whether err is a failure to connect, after
// which a request can be sent again safely.
func isConnectFailure(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// drainClose reads a little of what is left of a body, so the connection
// can be reused, and closes it.
func drainClose(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// parseKeystoneTime reads Keystone's timestamps, such as
// 2026-11-24T16:44:17.000000Z (RFC 3339, with or without fractions).
func parseKeystoneTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		// Some releases omit the zone; Keystone's times are UTC.
		if t2, err2 := time.Parse("2006-01-02T15:04:05.999999", s); err2 == nil {
			return t2, nil
		}
		return time.Time{}, fmt.Errorf("bad expires_at %q", s)
	}
	return t, nil
}
