package server

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pasteserve/pasteserve/options"
)

// Options are the settings of one server: the oslo.service and neutron
// option names, with their defaults (Defaults). Package options decodes
// them (LoadSettings gives it each value with the place it was written),
// and its Describe of Defaults() is the option table docs/server.md
// holds: the paste tags are the one place that names each option, its
// group and what it does. The group is the section of an oslo.config
// file that holds the option; no name is in two groups, so that a
// [server:] section, which has no groups, can name any of them.
type Options struct {
	// [DEFAULT] bind_host
	BindHost string `paste:"bind_host,group=DEFAULT,doc=address to listen on; a host name is resolved and its first address used"`
	// [DEFAULT] bind_port
	BindPort Port `paste:"bind_port,group=DEFAULT,doc=port to listen on, 0 to 65535; 0 picks a free one"`
	// [DEFAULT] backlog
	Backlog int `paste:"backlog,group=DEFAULT,min=1,doc=listen() backlog"`
	// [DEFAULT] tcp_keepidle
	TCPKeepIdle time.Duration `paste:"tcp_keepidle,group=DEFAULT,min=0,doc=seconds a client connection is idle before TCP keepalive probes start"`
	// [DEFAULT] retry_until_window
	RetryUntilWindow time.Duration `paste:"retry_until_window,group=DEFAULT,min=0,doc=seconds to keep retrying when the address is in use"`
	// [DEFAULT] ipv6_only (pasteserve)
	V6Only bool `paste:"ipv6_only,group=DEFAULT,doc=with bind_host = ::, accept IPv6 only (default: IPv4 and IPv6)"`

	// [DEFAULT] max_header_line
	MaxHeaderLine int `paste:"max_header_line,group=DEFAULT,min=1,doc=longest request header line, name and value, in bytes; longer gets 431"`
	// [DEFAULT] max_header_size (pasteserve)
	MaxHeaderSize int `paste:"max_header_size,group=DEFAULT,min=1,doc=most bytes of the request line and headers in all; more gets 431"`
	// [DEFAULT] client_socket_timeout
	ClientSocketTimeout time.Duration `paste:"client_socket_timeout,group=DEFAULT,min=0,doc=seconds a client may take to send a request, sit idle between requests, or accept no byte of a response; 0 = no limit"`
	// [DEFAULT] read_header_timeout (pasteserve)
	ReadHeaderTimeout time.Duration `paste:"read_header_timeout,group=DEFAULT,min=0,doc=seconds a client may take to send the request line and headers"`
	// [DEFAULT] read_body_timeout (pasteserve)
	ReadBodyTimeout time.Duration `paste:"read_body_timeout,group=DEFAULT,min=0,doc=seconds a client may take to send a whole request; default client_socket_timeout"`
	// [DEFAULT] write_timeout (pasteserve)
	WriteTimeout time.Duration `paste:"write_timeout,group=DEFAULT,min=0,doc=seconds to write a response; 0 = no limit (long downloads)"`
	// [DEFAULT] send_timeout (pasteserve)
	SendTimeout time.Duration `paste:"send_timeout,group=DEFAULT,min=0,doc=seconds a client may accept no byte of a response before the connection is cut (the lower of this and client_socket_timeout applies); a slow download that keeps moving is never cut; 0 = client_socket_timeout alone"`
	// [DEFAULT] idle_timeout (pasteserve)
	IdleTimeout time.Duration `paste:"idle_timeout,group=DEFAULT,min=0,doc=seconds an idle keep-alive connection is kept; default client_socket_timeout"`
	// [DEFAULT] wsgi_keep_alive
	KeepAlive bool `paste:"wsgi_keep_alive,group=DEFAULT,doc=false closes the connection after each response"`
	// [DEFAULT] wsgi_default_pool_size
	PoolSize int `paste:"wsgi_default_pool_size,group=DEFAULT,min=1,doc=requests served at once per process; more get 503 with Retry-After"`
	// [DEFAULT] wsgi_server_debug
	Debug bool `paste:"wsgi_server_debug,group=DEFAULT,doc=true puts the panic and stack in 500 responses (never in production)"`
	// [DEFAULT] access_log (pasteserve)
	AccessLog bool `paste:"access_log,group=DEFAULT,doc=log one line per request"`
	// [DEFAULT] assign_request_id (pasteserve)
	AssignRequestID bool `paste:"assign_request_id,group=DEFAULT,doc=give every request a req-<uuid> id before the pipeline runs: in x-openstack-request-id on every response and in every log line about the request, also where the pipeline has no request_id filter (which then uses the same id)"`
	// [DEFAULT] wsgi_log_format
	LogFormat string `paste:"wsgi_log_format,group=DEFAULT,doc=the access log line's message, oslo's template: %(client_ip)s, %(client_port)s, %(date_time)s, %(request_line)s, %(status_code)s, %(body_length)s, %(wall_seconds).Nf; the same values are also logged as fields"`

	// [DEFAULT] admin_bind (pasteserve)
	AdminBind string `paste:"admin_bind,group=DEFAULT,doc=HOST:PORT of the admin listener, which serves /metrics (Prometheus), /livez and /readyz (docs/metrics.md); empty = none. Keep it off the public network: it must not be the public address and port unless admin_on_public_port is set"`
	// [DEFAULT] admin_pprof (pasteserve)
	AdminPprof bool `paste:"admin_pprof,group=DEFAULT,doc=also serve Go's profiler (net/http/pprof) under /debug/pprof/ on the admin listener"`
	// [DEFAULT] admin_on_public_port (pasteserve)
	AdminOnPublicPort bool `paste:"admin_on_public_port,group=DEFAULT,doc=allow admin_bind to be the public address and port: /metrics, /livez and /readyz (and /debug/pprof/) are then answered on the public listener ahead of the pipeline, to anyone who reaches it"`

	// [DEFAULT] graceful_shutdown_timeout
	GracefulShutdownTimeout time.Duration `paste:"graceful_shutdown_timeout,group=DEFAULT,min=0,doc=seconds in-flight requests get to finish after SIGTERM, and after a reload those in the old Python pool; 0 = wait forever"`
	// [DEFAULT] shutdown_delay (pasteserve)
	ShutdownDelay time.Duration `paste:"shutdown_delay,group=DEFAULT,min=0,doc=seconds to go on serving after SIGTERM before the drain begins, with /readyz answering 503 all along, so that a load balancer's health checks take the server out before it stops accepting; not for SIGINT; 0 = drain at once"`
	// [DEFAULT] api_workers
	Workers int `paste:"api_workers,group=DEFAULT,min=0,doc=worker processes sharing the socket; 0 serves in this process"`
	// [DEFAULT] log_options
	LogOptions bool `paste:"log_options,group=DEFAULT,doc=log every option, its value and where it came from, at start"`

	// [DEFAULT] api_paste_config
	APIPasteConfig string `paste:"api_paste_config,group=DEFAULT,doc=the paste file; a relative name is searched as oslo.config's find_file does"`
	// [DEFAULT] auth_strategy
	AuthStrategy string `paste:"auth_strategy,group=DEFAULT,doc=passed to the paste file's global configuration: picks the pipeline of OpenStack pipeline selectors (they default to keystone)"`
	// [paste_deploy] flavor
	Flavor string `paste:"flavor,group=paste_deploy,doc=passed to the paste file's global configuration: picks the pipeline of glance/heat-style selectors"`

	// [DEFAULT] tracing_* (pasteserve): OpenTelemetry, docs/tracing.md
	Tracing TracingOptions `paste:",group=DEFAULT"`

	// [DEFAULT] use_ssl
	UseSSL bool `paste:"use_ssl,group=DEFAULT,doc=serve TLS with [ssl] cert_file and key_file"`
	// [DEFAULT] http2 (pasteserve)
	HTTP2 bool `paste:"http2,group=DEFAULT,doc=with use_ssl: offer HTTP/2 (ALPN h2) as well as HTTP/1.1; false serves HTTP/1.1 only"`
	// [DEFAULT] h2c (pasteserve)
	H2C bool `paste:"h2c,group=DEFAULT,doc=without use_ssl: also serve HTTP/2 in plain text to clients that start with its preface (prior knowledge); for behind a load balancer that speaks it; never on an open port"`
	// [DEFAULT] http2_max_concurrent_streams (pasteserve)
	HTTP2MaxStreams int `paste:"http2_max_concurrent_streams,group=DEFAULT,min=1,doc=HTTP/2 streams a client may have open at once on one connection; more are refused (the pool limit still applies to the streams within it)"`
	// [DEFAULT] http2_read_idle_timeout (pasteserve)
	HTTP2ReadIdleTimeout time.Duration `paste:"http2_read_idle_timeout,group=DEFAULT,min=0,doc=seconds an HTTP/2 connection may send nothing before the server sends it a PING; no answer within 15 s closes it; 0 = no PINGs"`
	// [ssl] cert_file
	CertFile string `paste:"cert_file,group=ssl,doc=server certificate (PEM); re-read on SIGHUP"`
	// [ssl] key_file
	KeyFile string `paste:"key_file,group=ssl,doc=private key (PEM); re-read on SIGHUP"`
	// [ssl] ca_file
	CAFile string `paste:"ca_file,group=ssl,doc=CA certificates (PEM) that client certificates are verified against"`
	// [ssl] client_cert: required (oslo's behaviour with ca_file) or optional
	ClientCert string `paste:"client_cert,group=ssl,enum=required|optional,doc=with ca_file: required (oslo's behaviour) or optional"`
	// [ssl] version
	TLSMinVersion string `paste:"version,group=ssl,enum=TLSv1_2|TLSv1_3,doc=lowest TLS version: TLSv1_2 or TLSv1_3"`
	// [ssl] ciphers
	Ciphers string `paste:"ciphers,group=ssl,doc=TLS 1.2 cipher suites, colon-separated Go or IANA names; default Go's secure set"`
}

// Port is a TCP port number: 0 (any free port) to 65535. Its own type
// gives bind_port its own message, which says what 0 means.
type Port int

// UnmarshalText reads a port number.
func (p *Port) UnmarshalText(b []byte) error {
	s := string(b)
	n, err := strconv.Atoi(strings.TrimSpace(s))
	switch {
	case err == nil && n > 65535:
		return fmt.Errorf("%q is not a port number: 0 (any free port) to 65535", s)
	case err != nil || n < 0:
		return fmt.Errorf("%q is not a whole number of at least 0", s)
	}
	*p = Port(n)
	return nil
}

// MarshalText writes the port as a paste file would.
func (p Port) MarshalText() ([]byte, error) { return []byte(strconv.Itoa(int(p))), nil }

// Defaults returns the options with their built-in defaults: neutron's
// and oslo.service's, except where pasteserve's options of its own (see
// docs/server.md) say why not. read_body_timeout and idle_timeout have
// none of their own: they take client_socket_timeout's value unless set
// (derivedDefaults).
func Defaults() Options {
	return Options{
		BindHost:                "0.0.0.0",
		BindPort:                9696,
		Backlog:                 4096,
		TCPKeepIdle:             600 * time.Second,
		RetryUntilWindow:        30 * time.Second,
		MaxHeaderLine:           16384,
		MaxHeaderSize:           65536,
		ClientSocketTimeout:     900 * time.Second,
		ReadHeaderTimeout:       10 * time.Second,
		SendTimeout:             30 * time.Second,
		KeepAlive:               true,
		PoolSize:                100,
		AccessLog:               true,
		AssignRequestID:         true,
		LogFormat:               `%(client_ip)s "%(request_line)s" status: %(status_code)s  len: %(body_length)s time: %(wall_seconds).7f`,
		GracefulShutdownTimeout: 60 * time.Second,
		APIPasteConfig:          "api-paste.ini",
		ClientCert:              "required",
		TLSMinVersion:           "TLSv1_2",
		Tracing:                 DefaultTracingOptions(),
		HTTP2:                   true,
		HTTP2MaxStreams:         100,
	}
}

// derivedDefaults are the options whose default is another option's
// value, by name: LoadSettings fills them so, and docs/server.md gives
// them no default of their own.
var derivedDefaults = map[string]string{
	"read_body_timeout": "client_socket_timeout",
	"idle_timeout":      "client_socket_timeout",
}

// optionTable is every option, in the order of Options' fields (the
// order docs/server.md lists them in), with its default from Defaults.
var optionTable = func() []options.Option {
	t, err := options.Describe(Defaults())
	if err != nil {
		panic("server: " + err.Error()) // a malformed tag; TestOptionTable finds it
	}
	return t
}()

// lookupOption returns the option group.name, of the server or of
// [python], or nil.
func lookupOption(group, name string) *options.Option {
	for i := range optionTable {
		if optionTable[i].Group == group && optionTable[i].Name == name {
			return &optionTable[i]
		}
	}
	if group == pythonGroup {
		for i := range pythonTable {
			if pythonTable[i].Name == name {
				return &pythonTable[i]
			}
		}
	}
	return nil
}

// OptionNames lists "group.name" of every option, sorted, for messages.
func OptionNames() []string {
	var out []string
	for _, o := range optionTable {
		out = append(out, o.Group+"."+o.Name)
	}
	sort.Strings(out)
	return out
}

// optionValues returns every option's value in o, as a paste file would
// write it, by "group.name".
func optionValues(o *Options) map[string]string {
	t, err := options.Describe(o)
	if err != nil {
		panic("server: " + err.Error())
	}
	out := make(map[string]string, len(t))
	for _, opt := range t {
		out[opt.Group+"."+opt.Name] = opt.Default
	}
	return out
}
