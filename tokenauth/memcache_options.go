package tokenauth

import (
	"errors"
	"strings"
	"time"

	"github.com/pasteserve/pasteserve/options"
)

// MemcacheOptions put auth_token's token cache in memcached, as
// keystonemiddleware's options of the same names do: every process that
// names the same memcached_servers, and the same strategy and secret,
// shares one cache, pasteserve's and Python keystonemiddleware's alike,
// so a fleet validates each token with Keystone once.
//
// Of keystonemiddleware's memcache_pool_* options, socket_timeout,
// dead_retry, maxsize and conn_get_timeout apply (see their fields);
// memcache_pool_unused_timeout and memcache_use_advanced_pool are
// accepted and do nothing: the client (gomemcache) keeps at most maxsize
// idle connections to each server and closes the rest when they are
// released, and it is always safe for concurrent use.
type MemcacheOptions struct {
	// MemcachedServers are the servers, as python-memcached reads
	// them: host:port (port 11211 when left out), inet:host:port,
	// inet6:[address]:port or unix:/path. A token's entry is on the server python-memcached
	// picks for its key, so a fleet agrees where it is; empty keeps
	// the cache in the process.
	MemcachedServers []string `paste:"memcached_servers,deprecated=memcache_servers,group=keystone_authtoken,doc=memcached servers (host:port, comma separated) holding the token cache shared with every process naming them; empty: a cache in each process"`
	// MemcacheSecurityStrategy is None (entries are the token data
	// as it is), MAC (authenticated with HMAC: a changed entry is
	// refused) or ENCRYPT (authenticated and AES encrypted). Write it
	// as the rest of the fleet does: keystonemiddleware derives the
	// keys from the value as written, and encrypts only for ENCRYPT in
	// capitals.
	MemcacheSecurityStrategy string `paste:"memcache_security_strategy,group=keystone_authtoken,doc=None, MAC or ENCRYPT: entries in memcached as they are, authenticated, or authenticated and encrypted"`
	// MemcacheSecretKey is the secret the MAC and encryption keys are
	// derived from; required with MAC or ENCRYPT. It is masked in
	// every output.
	MemcacheSecretKey string `paste:"memcache_secret_key,group=keystone_authtoken,doc=the secret the keys of MAC and ENCRYPT derive from (required with them)"`
	// MemcachePoolSocketTimeout bounds each operation on memcached
	// (connect, and each read and write): past it the cache is skipped
	// and Keystone asked. It must be more than 0.
	MemcachePoolSocketTimeout time.Duration `paste:"memcache_pool_socket_timeout,group=keystone_authtoken,doc=seconds allowed for each memcached operation before Keystone is asked instead"`
	// MemcachePoolDeadRetry is how long a server that failed an
	// operation is left alone: its tokens go to the next server as
	// python-memcached picks it, or, with none left, straight to
	// Keystone, so a dead memcached costs one timeout per period, not
	// one per request. 0 tries it again at once.
	MemcachePoolDeadRetry time.Duration `paste:"memcache_pool_dead_retry,group=keystone_authtoken,doc=seconds a memcached server that failed is skipped before it is tried again"`
	// MemcachePoolMaxsize bounds the operations under way at once, and
	// so the connections open to each server; also the idle
	// connections kept.
	MemcachePoolMaxsize int `paste:"memcache_pool_maxsize,group=keystone_authtoken,doc=at most this many connections to each memcached server"`
	// MemcachePoolConnGetTimeout is how long an operation waits for
	// one of MemcachePoolMaxsize to come free; past it the cache is
	// skipped for that request.
	MemcachePoolConnGetTimeout time.Duration `paste:"memcache_pool_conn_get_timeout,group=keystone_authtoken,doc=seconds to wait for a free memcached connection before asking Keystone instead"`
	// MemcachePoolUnusedTimeout is accepted and has no effect (see
	// MemcacheOptions).
	MemcachePoolUnusedTimeout time.Duration `paste:"memcache_pool_unused_timeout,group=keystone_authtoken,doc=accepted; no effect in pasteserve (idle connections beyond memcache_pool_maxsize are closed at once)"`
	// MemcacheUseAdvancedPool is accepted and has no effect: the pool
	// is always the concurrency-safe one.
	MemcacheUseAdvancedPool bool `paste:"memcache_use_advanced_pool,group=keystone_authtoken,doc=accepted; no effect in pasteserve (its memcached pool is always safe for concurrent use)"`
}

// DefaultMemcacheOptions are keystonemiddleware's: no memcached,
// strategy None, a 3 second socket timeout, dead servers left for 300
// seconds, 10 connections, waited for 10 seconds.
func DefaultMemcacheOptions() MemcacheOptions {
	return MemcacheOptions{
		MemcacheSecurityStrategy:   "None",
		MemcachePoolSocketTimeout:  3 * time.Second,
		MemcachePoolDeadRetry:      300 * time.Second,
		MemcachePoolMaxsize:        10,
		MemcachePoolConnGetTimeout: 10 * time.Second,
		MemcachePoolUnusedTimeout:  60 * time.Second,
		MemcacheUseAdvancedPool:    true,
	}
}

// Validate checks the strategy and its secret, the servers' addresses
// and the numbers; it never quotes the secret.
func (o MemcacheOptions) Validate() error {
	var errs []error
	add := func(option, format string, args ...any) { errs = append(errs, options.Errorf(option, format, args...)) }
	switch strings.ToLower(o.MemcacheSecurityStrategy) {
	case "none":
	case "mac", "encrypt":
		if o.MemcacheSecretKey == "" {
			add("memcache_secret_key", "is required with memcache_security_strategy = %s: the secret its keys derive from, the same in every process sharing the cache", o.MemcacheSecurityStrategy)
		}
	default:
		add("memcache_security_strategy", "%q is not one of None, MAC, ENCRYPT", o.MemcacheSecurityStrategy)
	}
	for _, s := range o.MemcachedServers {
		if _, err := parseMemcachedServer(s); err != nil {
			add("memcached_servers", "%v", err)
		}
	}
	if o.MemcachePoolSocketTimeout <= 0 {
		add("memcache_pool_socket_timeout", "must be more than 0 seconds")
	}
	if o.MemcachePoolDeadRetry < 0 {
		add("memcache_pool_dead_retry", "is negative")
	}
	if o.MemcachePoolMaxsize < 1 {
		add("memcache_pool_maxsize", "must be at least 1")
	}
	if o.MemcachePoolConnGetTimeout < 0 {
		add("memcache_pool_conn_get_timeout", "is negative")
	}
	return errors.Join(errs...)
}
