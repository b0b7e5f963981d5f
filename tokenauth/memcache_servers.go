package tokenauth

import (
	"fmt"
	"hash/crc32"
	"net"
	"regexp"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
)

// memcachedServer is one of memcached_servers, with its own client (and
// so its own connections) and the time until which it counts as dead.
type memcachedServer struct {
	name      string // as configured, for log lines
	client    *memcache.Client
	deadUntil atomic.Int64 // unix nanoseconds; 0: alive
}

// memcachedServerPatterns are python-memcached's connection strings, in
// the order it tries them.
var memcachedServerPatterns = []*regexp.Regexp{
	regexp.MustCompile(`^(?P<proto>unix):(?P<path>.*)$`),
	regexp.MustCompile(`^(?P<proto>inet6):\[(?P<host>[^\[\]]+)\](?::(?P<port>[0-9]+))?$`),
	regexp.MustCompile(`^(?P<proto>inet):(?P<host>[^:]+)(?::(?P<port>[0-9]+))?$`),
	regexp.MustCompile(`^(?P<host>[^:]+)(?::(?P<port>[0-9]+))?$`),
}

// parseMemcachedServer reads one of memcached_servers as python-memcached
// does, into the address gomemcache dials: a unix socket's path, or
// host:port with port 11211 when left out.
func parseMemcachedServer(s string) (net.Addr, error) {
	for _, re := range memcachedServerPatterns {
		m := re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		get := func(name string) string { return m[re.SubexpIndex(name)] }
		if re.SubexpIndex("path") >= 0 {
			if get("path") == "" {
				break
			}
			return net.ResolveUnixAddr("unix", get("path"))
		}
		port := 11211
		if p := get("port"); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil || n < 1 || n > 65535 {
				return nil, fmt.Errorf("%q: the port is not 1 to 65535", s)
			}
			port = n
		}
		return addrString{net.JoinHostPort(get("host"), strconv.Itoa(port))}, nil
	}
	return nil, fmt.Errorf("%q is not a memcached server: write host:port, inet6:[address]:port or unix:/path", s)
}

// addrString is a TCP address left unresolved, so that a name is looked
// up when a connection is made, not once at start.
type addrString struct{ hostPort string }

func (a addrString) Network() string { return "tcp" }
func (a addrString) String() string  { return a.hostPort }

// singleServer is the gomemcache selector of one server's client.
type singleServer struct{ addr net.Addr }

func (s singleServer) PickServer(string) (net.Addr, error) { return s.addr, nil }
func (s singleServer) Each(f func(net.Addr) error) error   { return f(s.addr) }
func newMemcachedServer(name string, addr net.Addr) *memcachedServer {
	return &memcachedServer{name: name, client: memcache.NewFromSelector(singleServer{addr})}
}

// pythonServerHash is python-memcached's cmemcache_hash, which picks a
// key's server.
func pythonServerHash(key []byte) uint32 {
	h := (crc32.ChecksumIEEE(key) >> 16) & 0x7fff
	if h == 0 {
		return 1
	}
	return h
}

// memcachedServerRetries is python-memcached's _SERVER_RETRIES.
const memcachedServerRetries = 10

// pickServer is python-memcached's _get_server: the server of key, or
// while that one is dead, the one a rehash of the hash picks, up to ten
// times; nil when none is alive. Python services sharing the cache pick
// the same server for each key while they see the same servers dead.
func pickServer(servers []*memcachedServer, key string, now time.Time) *memcachedServer {
	if len(servers) == 0 {
		return nil
	}
	h := pythonServerHash([]byte(key))
	for i := 0; i < memcachedServerRetries; i++ {
		s := servers[h%uint32(len(servers))]
		if s.alive(now) {
			return s
		}
		h = pythonServerHash([]byte(strconv.FormatUint(uint64(h), 10) + strconv.Itoa(i)))
	}
	return nil
}

func (s *memcachedServer) alive(now time.Time) bool {
	return now.UnixNano() >= s.deadUntil.Load()
}

// markDead leaves s alone until now+retry; it reports whether s was
// alive, so that one failure is logged once, not by every request that
// met it.
func (s *memcachedServer) markDead(now time.Time, retry time.Duration) bool {
	old := s.deadUntil.Load()
	return s.deadUntil.CompareAndSwap(old, now.Add(retry).UnixNano()) && now.UnixNano() >= old
}
