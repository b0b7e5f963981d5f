package tokenauth

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"time"
	"unsafe"
)

// cachingVerifier remembers, for ttl (token_cache_time), what another
// verifier said about each token: the identity of a valid token and the
// verdict on an invalid one, so a request with a known token costs a map
// look-up instead of a call to Keystone. keystonemiddleware's in-process
// cache does the same; like it, a token revoked in Keystone stays valid
// here until its entry expires, so keep ttl short where revocation must
// be quick. Failures to reach the verifier are not cached.
//
// Entries are keyed by the token's SHA-256, so the cache holds no tokens
// and a client cannot fill memory with long ones; there are at most max
// entries. Concurrent requests with the same unknown token wait for one
// verification rather than each calling Keystone.
type cachingVerifier struct {
	next tokenVerifier
	ttl  time.Duration
	max  int

	mu      sync.RWMutex
	entries map[[sha256.Size]byte]cacheEntry

	flightMu sync.Mutex
	flights  map[flightKey]*flight
}

type cacheEntry struct {
	ti    *tokenIdentity // nil: the token is invalid
	until time.Time
}

type flightKey struct {
	sum          [sha256.Size]byte
	allowExpired bool
}

// flight is one verification in progress; others asking about the same
// token wait for done.
type flight struct {
	done chan struct{}
	ti   *tokenIdentity
	err  error
}

func newCachingVerifier(next tokenVerifier, ttl time.Duration, max int) *cachingVerifier {
	return &cachingVerifier{
		next: next, ttl: ttl, max: max,
		entries: map[[sha256.Size]byte]cacheEntry{},
		flights: map[flightKey]*flight{},
	}
}

func (c *cachingVerifier) verify(ctx context.Context, token string, allowExpired bool, now time.Time) (*tokenIdentity, error) {
	sum := tokenSum(token)
	c.mu.RLock()
	e, ok := c.entries[sum]
	c.mu.RUnlock()
	if ok && now.Before(e.until) {
		if e.ti != nil {
			cacheHits.Inc()
			return e.ti, nil
		}
		// Invalid; but a check that allows expiry asks another
		// question, which the verdict may not answer.
		if !allowExpired {
			cacheHits.Inc()
			return nil, errInvalidToken
		}
	}
	cacheMisses.Inc()
	return c.verifyOnce(ctx, flightKey{sum, allowExpired}, token, now)
}

// verifyOnce asks the next verifier, once for all the requests that ask
// at the same time, and caches the answer.
func (c *cachingVerifier) verifyOnce(ctx context.Context, key flightKey, token string, now time.Time) (*tokenIdentity, error) {
	c.flightMu.Lock()
	if f := c.flights[key]; f != nil {
		c.flightMu.Unlock()
		select {
		case <-f.done:
			return f.ti, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := &flight{done: make(chan struct{})}
	c.flights[key] = f
	c.flightMu.Unlock()

	// The others waiting must not fail because this request's client
	// went away; the verifier's own timeouts bound the call.
	f.ti, f.err = c.next.verify(context.WithoutCancel(ctx), token, key.allowExpired, now)
	switch {
	case f.err == nil:
		c.store(key.sum, f.ti, now)
	case errors.Is(f.err, errInvalidToken):
		c.store(key.sum, nil, now)
	}

	c.flightMu.Lock()
	delete(c.flights, key)
	c.flightMu.Unlock()
	close(f.done)
	return f.ti, f.err
}

// tokenSum is the SHA-256 of token, hashed where the string is rather
// than from a copy (Sum256 only reads its argument): a copy is an
// allocation on every request.
func tokenSum(token string) [sha256.Size]byte {
	return sha256.Sum256(unsafe.Slice(unsafe.StringData(token), len(token)))
}

func (c *cachingVerifier) store(sum [sha256.Size]byte, ti *tokenIdentity, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		c.evict(now)
	}
	c.entries[sum] = cacheEntry{ti: ti, until: now.Add(c.ttl)}
}

// evict makes room: it drops expired entries, and when that is not
// enough, arbitrary ones (map order) down to nine tenths of max, so that
// a full cache is swept once per many new tokens, not once per token.
// Dropping a live entry costs at worst a second validation.
func (c *cachingVerifier) evict(now time.Time) {
	for k, e := range c.entries {
		if !now.Before(e.until) {
			delete(c.entries, k)
		}
	}
	for k := range c.entries {
		if len(c.entries) < c.max-c.max/10 {
			break
		}
		delete(c.entries, k)
	}
}
