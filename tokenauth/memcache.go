package tokenauth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/pasteserve/pasteserve/reqlog"
)

// memcacheStore is the token cache in memcached (memcached_servers), in
// keystonemiddleware's format (memcache_crypt.go), so that every process
// of a fleet, Go or Python, finds what one of them validated. Like
// keystonemiddleware it keeps valid tokens there, for token_cache_time;
// verdicts on invalid tokens, which keystonemiddleware does not cache,
// stay in the process (a memoryStore), sparing Keystone a client that
// repeats a bad token.
//
// memcached is a help, never a dependency: a miss, a server down or
// slow (each operation is bounded by memcache_pool_socket_timeout, and
// a server that failed one is skipped for memcache_pool_dead_retry), no
// free connection within memcache_pool_conn_get_timeout, and an entry
// that fails its MAC or does not decode all lead to Keystone, and none
// to an error answer.
type memcacheStore struct {
	servers    []*memcachedServer
	secret     []byte // nil under None
	strategy   string // as written: the keys derive from it
	expiration time.Duration
	deadRetry  time.Duration

	slots          chan struct{} // memcache_pool_maxsize operations at once
	connGetTimeout time.Duration

	invalid *memoryStore
	decode  func(doc []byte) (*tokenIdentity, error)
}

// newMemcacheStore returns the store o and c describe; decode reads a
// token document (Keystone's validation answer) into an identity. o is
// valid (Validate).
func newMemcacheStore(o MemcacheOptions, c CacheOptions, decode func([]byte) (*tokenIdentity, error)) *memcacheStore {
	m := &memcacheStore{
		strategy:       o.MemcacheSecurityStrategy,
		expiration:     c.TokenCacheTime,
		deadRetry:      o.MemcachePoolDeadRetry,
		slots:          make(chan struct{}, o.MemcachePoolMaxsize),
		connGetTimeout: o.MemcachePoolConnGetTimeout,
		invalid:        newMemoryStore(c.TokenCacheTime, c.TokenCacheSize),
		decode:         decode,
	}
	if !strings.EqualFold(o.MemcacheSecurityStrategy, "none") {
		m.secret = []byte(o.MemcacheSecretKey)
	}
	for _, name := range o.MemcachedServers {
		addr, _ := parseMemcachedServer(name) // checked by Validate
		s := newMemcachedServer(name, addr)
		s.client.Timeout = o.MemcachePoolSocketTimeout
		s.client.MaxIdleConns = o.MemcachePoolMaxsize
		m.servers = append(m.servers, s)
	}
	return m
}

func (m *memcacheStore) load(ctx context.Context, token string, sum [sha256.Size]byte, now time.Time) (*tokenIdentity, bool) {
	if _, ok := m.invalid.load(ctx, token, sum, now); ok {
		return nil, true
	}
	keys := deriveMemcacheKeys(token, m.secret, m.strategy)
	s := pickServer(m.servers, keys.cacheKey, now)
	if s == nil || !m.acquire(ctx, s) {
		return nil, false
	}
	item, err := s.client.Get(keys.cacheKey)
	<-m.slots
	if err != nil {
		m.failed(ctx, s, err, now)
		return nil, false
	}
	doc, err := keys.unprotect(item.Value)
	if err == nil {
		doc, err = unwrapLegacyEntry(doc)
	}
	var ti *tokenIdentity
	if err == nil {
		ti, err = m.decode(doc)
	}
	if err != nil {
		// Validated again and stored over, as keystonemiddleware does.
		reqlog.From(ctx).Warn().Str("filter", "auth_token").Str("memcached", s.name).Str("token", tokenHash(token)).
			Err(err).Msg("token cache entry in memcached refused; asking Keystone")
		return nil, false
	}
	return ti, true
}

// unwrapLegacyEntry takes the data out of an entry of keystonemiddleware
// before 4.0, [data, expires], which it still reads.
func unwrapLegacyEntry(doc []byte) ([]byte, error) {
	if d := bytes.TrimLeft(doc, " \t\r\n"); len(d) == 0 || d[0] != '[' {
		return doc, nil
	}
	var pair []json.RawMessage
	if err := json.Unmarshal(doc, &pair); err != nil || len(pair) != 2 {
		return nil, errors.New("the cache entry is a JSON list that is not keystonemiddleware's [data, expires]")
	}
	return pair[0], nil
}

func (m *memcacheStore) save(ctx context.Context, token string, sum [sha256.Size]byte, ti *tokenIdentity, now time.Time) {
	if ti == nil {
		m.invalid.save(ctx, token, sum, nil, now)
		return
	}
	if ti.doc == nil {
		return
	}
	keys := deriveMemcacheKeys(token, m.secret, m.strategy)
	s := pickServer(m.servers, keys.cacheKey, now)
	if s == nil {
		return
	}
	value, err := keys.protect(ti.doc)
	if err != nil {
		reqlog.From(ctx).Error().Str("filter", "auth_token").Err(err).Msg("cannot protect a token cache entry; not cached")
		return
	}
	if !m.acquire(ctx, s) {
		return
	}
	err = s.client.Set(&memcache.Item{Key: keys.cacheKey, Value: value, Expiration: memcachedExpiration(m.expiration, now)})
	<-m.slots
	m.failed(ctx, s, err, now)
}

// acquire takes one of memcache_pool_maxsize slots for an operation on
// s, waiting at most memcache_pool_conn_get_timeout; false: skip the
// cache this time. s is looked at again once a slot is had: requests
// queued behind one that found s silent must not each wait out the
// socket timeout again.
func (m *memcacheStore) acquire(ctx context.Context, s *memcachedServer) bool {
	select {
	case m.slots <- struct{}{}:
		return true
	default:
	}
	if m.connGetTimeout <= 0 {
		return false
	}
	t := time.NewTimer(m.connGetTimeout)
	defer t.Stop()
	select {
	case m.slots <- struct{}{}:
		if !s.alive(time.Now()) {
			<-m.slots
			return false
		}
		return true
	case <-t.C:
		reqlog.From(ctx).Warn().Str("filter", "auth_token").Int("memcache_pool_maxsize", cap(m.slots)).
			Msg("no memcached connection free within memcache_pool_conn_get_timeout; asking Keystone")
	case <-ctx.Done():
	}
	return false
}

// failed handles the error of an operation on s: a miss, or an answer
// memcached gave (too large, not stored), is nothing; anything else
// (refused, timed out, cut) marks s dead for memcache_pool_dead_retry.
func (m *memcacheStore) failed(ctx context.Context, s *memcachedServer, err error, now time.Time) {
	switch {
	case err == nil, errors.Is(err, memcache.ErrCacheMiss), errors.Is(err, memcache.ErrNotStored),
		errors.Is(err, memcache.ErrServerError), errors.Is(err, memcache.ErrMalformedKey):
		return
	}
	if s.markDead(now, m.deadRetry) {
		reqlog.From(ctx).Error().Str("filter", "auth_token").Str("memcached", s.name).Err(err).
			Str("memcache_pool_dead_retry", m.deadRetry.String()).
			Msg("memcached failed; its tokens are validated with Keystone until it is tried again")
	}
}

// memcachedExpiration is token_cache_time as memcached takes it:
// seconds (at least 1), or past 30 days, which memcached would read as
// a date, the date.
func memcachedExpiration(ttl time.Duration, now time.Time) int32 {
	secs := int64((ttl + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	if secs > 30*24*3600 {
		secs += now.Unix()
	}
	if secs > 1<<31-1 {
		secs = 1<<31 - 1
	}
	return int32(secs)
}

// tokenCache wraps v in the cache the options name: memcached when
// memcached_servers are given, the process's otherwise; none when
// token_cache_time is 0 or less.
func (o AuthTokenOptions) tokenCache(v *keystoneVerifier) tokenVerifier {
	if len(o.MemcachedServers) == 0 || o.TokenCacheTime <= 0 {
		return o.CacheOptions.cached(v)
	}
	v.keepDoc = true
	return newCachingVerifier(v, newMemcacheStore(o.MemcacheOptions, o.CacheOptions, v.parseDoc))
}
