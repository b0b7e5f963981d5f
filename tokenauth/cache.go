package tokenauth

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"time"
	"unsafe"
)

// cachingVerifier remembers, for token_cache_time, what another
// verifier said about each token: the identity of a valid token and the
// verdict on an invalid one, so a request with a known token costs a
// look-up in its store (a map, or memcached) instead of a call to
// Keystone. keystonemiddleware's cache does the same; like it, a token
// revoked in Keystone stays valid here until its entry expires, so keep
// token_cache_time short where revocation must be quick. Failures to
// reach the verifier are not cached.
//
// The in-process store keys entries by the token's SHA-256, so it holds
// no tokens and a client cannot fill memory with long ones; it holds at
// most token_cache_size entries. Concurrent requests with the same
// unknown token wait for one verification rather than each calling
// Keystone.
type cachingVerifier struct {
	next  tokenVerifier
	store tokenStore

	flightMu sync.Mutex
	flights  map[flightKey]*flight
}

// A tokenStore holds the cached answers: memoryStore in the process,
// memcacheStore in memcached (memcached_servers), shared by every
// process that names the same servers. load returns what is cached
// about a token, if anything that has not expired is: an identity, or
// nil for a token found invalid. save caches an answer; a store may
// drop it (memcached down), which costs a second validation, never an
// error. Both are keyed by the token's SHA-256 (sum) and get the token
// too, since memcached's keys are keystonemiddleware's, derived from the
// token itself.
type tokenStore interface {
	load(ctx context.Context, token string, sum [sha256.Size]byte, now time.Time) (ti *tokenIdentity, ok bool)
	save(ctx context.Context, token string, sum [sha256.Size]byte, ti *tokenIdentity, now time.Time)
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

func newCachingVerifier(next tokenVerifier, store tokenStore) *cachingVerifier {
	return &cachingVerifier{next: next, store: store, flights: map[flightKey]*flight{}}
}

func (c *cachingVerifier) verify(ctx context.Context, token string, allowExpired bool, now time.Time) (*tokenIdentity, error) {
	sum := tokenSum(token)
	ti, ok := c.store.load(ctx, token, sum, now)
	if ok {
		if ti != nil {
			cacheHits.Inc()
			return ti, nil
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
		c.store.save(ctx, token, key.sum, f.ti, now)
	case errors.Is(f.err, errInvalidToken):
		c.store.save(ctx, token, key.sum, nil, now)
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

// memoryStore is the in-process cache: at most max answers, each for
// ttl.
type memoryStore struct {
	ttl time.Duration
	max int

	mu      sync.RWMutex
	entries map[[sha256.Size]byte]cacheEntry
}

type cacheEntry struct {
	ti    *tokenIdentity // nil: the token is invalid
	until time.Time
}

func newMemoryStore(ttl time.Duration, max int) *memoryStore {
	return &memoryStore{ttl: ttl, max: max, entries: map[[sha256.Size]byte]cacheEntry{}}
}

func (c *memoryStore) load(_ context.Context, _ string, sum [sha256.Size]byte, now time.Time) (*tokenIdentity, bool) {
	c.mu.RLock()
	e, ok := c.entries[sum]
	c.mu.RUnlock()
	if !ok || !now.Before(e.until) {
		return nil, false
	}
	return e.ti, true
}

func (c *memoryStore) save(_ context.Context, _ string, sum [sha256.Size]byte, ti *tokenIdentity, now time.Time) {
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
func (c *memoryStore) evict(now time.Time) {
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
