package server

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pasteserve/pasteserve/factory"
)

// Options are the settings of one server: the oslo.service and neutron
// option names, with their defaults.
type Options struct {
	BindHost         string        // [DEFAULT] bind_host
	BindPort         int           // [DEFAULT] bind_port
	Backlog          int           // [DEFAULT] backlog
	TCPKeepIdle      time.Duration // [DEFAULT] tcp_keepidle
	RetryUntilWindow time.Duration // [DEFAULT] retry_until_window
	V6Only           bool          // [DEFAULT] ipv6_only (pasteserve)

	MaxHeaderLine       int           // [DEFAULT] max_header_line
	MaxHeaderSize       int           // [DEFAULT] max_header_size (pasteserve)
	ClientSocketTimeout time.Duration // [DEFAULT] client_socket_timeout
	ReadHeaderTimeout   time.Duration // [DEFAULT] read_header_timeout (pasteserve)
	ReadBodyTimeout     time.Duration // [DEFAULT] read_body_timeout (pasteserve)
	WriteTimeout        time.Duration // [DEFAULT] write_timeout (pasteserve)
	SendTimeout         time.Duration // [DEFAULT] send_timeout (pasteserve)
	IdleTimeout         time.Duration // [DEFAULT] idle_timeout (pasteserve)
	KeepAlive           bool          // [DEFAULT] wsgi_keep_alive
	PoolSize            int           // [DEFAULT] wsgi_default_pool_size
	Debug               bool          // [DEFAULT] wsgi_server_debug
	AccessLog           bool          // [DEFAULT] access_log (pasteserve)
	AssignRequestID     bool          // [DEFAULT] assign_request_id (pasteserve)
	LogFormat           string        // [DEFAULT] wsgi_log_format

	GracefulShutdownTimeout time.Duration // [DEFAULT] graceful_shutdown_timeout
	Workers                 int           // [DEFAULT] api_workers
	LogOptions              bool          // [DEFAULT] log_options

	APIPasteConfig string // [DEFAULT] api_paste_config
	AuthStrategy   string // [DEFAULT] auth_strategy
	Flavor         string // [paste_deploy] flavor

	UseSSL        bool   // [DEFAULT] use_ssl
	CertFile      string // [ssl] cert_file
	KeyFile       string // [ssl] key_file
	CAFile        string // [ssl] ca_file
	ClientCert    string // [ssl] client_cert: required (oslo's behaviour with ca_file) or optional
	TLSMinVersion string // [ssl] version
	Ciphers       string // [ssl] ciphers
}

// option describes one setting: where it is read from, its default, and
// how to set and print it on Options.
type option struct {
	group, name string
	def         string
	help        string
	field       field
}

// field reads and writes one field of Options.
type field struct {
	set func(o *Options, v string) error
	get func(o *Options) string
}

func (opt option) set(o *Options, v string) error { return opt.field.set(o, v) }

func str(p func(*Options) *string) field {
	return field{
		set: func(o *Options, v string) error { *p(o) = v; return nil },
		get: func(o *Options) string { return *p(o) },
	}
}

func integer(p func(*Options) *int, min int) field {
	return field{
		set: func(o *Options, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < min {
				return fmt.Errorf("%q is not a whole number of at least %d", v, min)
			}
			*p(o) = n
			return nil
		},
		get: func(o *Options) string { return strconv.Itoa(*p(o)) },
	}
}

// portNumber reads a TCP port number: 0 (any free port) to 65535.
func portNumber(p func(*Options) *int) field {
	f := integer(p, 0)
	set := f.set
	f.set = func(o *Options, v string) error {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 65535 {
			return fmt.Errorf("%q is not a port number: 0 (any free port) to 65535", v)
		}
		return set(o, v)
	}
	return f
}

func boolean(p func(*Options) *bool) field {
	return field{
		set: func(o *Options, v string) error {
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "true", "yes", "on", "y", "t", "1":
				*p(o) = true
			case "false", "no", "off", "n", "f", "0":
				*p(o) = false
			default:
				return fmt.Errorf("%q is not a boolean (true or false)", v)
			}
			return nil
		},
		get: func(o *Options) string { return strconv.FormatBool(*p(o)) },
	}
}

// seconds reads a number of seconds (oslo's unit) or a Go duration.
func seconds(p func(*Options) *time.Duration) field {
	return field{
		set: func(o *Options, v string) error {
			d, err := factory.ParseDuration(v)
			if err != nil {
				return err
			}
			if d < 0 {
				return fmt.Errorf("%q is negative; use 0 for no limit", v)
			}
			*p(o) = d
			return nil
		},
		get: func(o *Options) string { return p(o).String() },
	}
}

func oneOf(p func(*Options) *string, values ...string) field {
	f := str(p)
	f.set = func(o *Options, v string) error {
		for _, ok := range values {
			if v == ok {
				*p(o) = v
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %s", v, strings.Join(values, ", "))
	}
	return f
}

// options is every setting, in the order docs/server.md lists them.
var options = []option{
	{"DEFAULT", "bind_host", "0.0.0.0", "address to listen on; a host name is resolved and its first address used", str(func(o *Options) *string { return &o.BindHost })},
	{"DEFAULT", "bind_port", "9696", "port to listen on, 0 to 65535; 0 picks a free one", portNumber(func(o *Options) *int { return &o.BindPort })},
	{"DEFAULT", "backlog", "4096", "listen() backlog", integer(func(o *Options) *int { return &o.Backlog }, 1)},
	{"DEFAULT", "tcp_keepidle", "600", "seconds a client connection is idle before TCP keepalive probes start", seconds(func(o *Options) *time.Duration { return &o.TCPKeepIdle })},
	{"DEFAULT", "retry_until_window", "30", "seconds to keep retrying when the address is in use", seconds(func(o *Options) *time.Duration { return &o.RetryUntilWindow })},
	{"DEFAULT", "ipv6_only", "false", "with bind_host = ::, accept IPv6 only (default: IPv4 and IPv6)", boolean(func(o *Options) *bool { return &o.V6Only })},
	{"DEFAULT", "max_header_line", "16384", "longest request header line, name and value, in bytes; longer gets 431", integer(func(o *Options) *int { return &o.MaxHeaderLine }, 1)},
	{"DEFAULT", "max_header_size", "65536", "most bytes of the request line and headers in all; more gets 431", integer(func(o *Options) *int { return &o.MaxHeaderSize }, 1)},
	{"DEFAULT", "client_socket_timeout", "900", "seconds a client may take to send a request, sit idle between requests, or accept no byte of a response; 0 = no limit", seconds(func(o *Options) *time.Duration { return &o.ClientSocketTimeout })},
	{"DEFAULT", "read_header_timeout", "10", "seconds a client may take to send the request line and headers", seconds(func(o *Options) *time.Duration { return &o.ReadHeaderTimeout })},
	{"DEFAULT", "read_body_timeout", "", "seconds a client may take to send a whole request; default client_socket_timeout", seconds(func(o *Options) *time.Duration { return &o.ReadBodyTimeout })},
	{"DEFAULT", "write_timeout", "0", "seconds to write a response; 0 = no limit (long downloads)", seconds(func(o *Options) *time.Duration { return &o.WriteTimeout })},
	{"DEFAULT", "send_timeout", "30", "seconds a client may accept no byte of a response before the connection is cut (the lower of this and client_socket_timeout applies); a slow download that keeps moving is never cut; 0 = client_socket_timeout alone", seconds(func(o *Options) *time.Duration { return &o.SendTimeout })},
	{"DEFAULT", "idle_timeout", "", "seconds an idle keep-alive connection is kept; default client_socket_timeout", seconds(func(o *Options) *time.Duration { return &o.IdleTimeout })},
	{"DEFAULT", "wsgi_keep_alive", "true", "false closes the connection after each response", boolean(func(o *Options) *bool { return &o.KeepAlive })},
	{"DEFAULT", "wsgi_default_pool_size", "100", "requests served at once per process; more get 503 with Retry-After", integer(func(o *Options) *int { return &o.PoolSize }, 1)},
	{"DEFAULT", "wsgi_server_debug", "false", "true puts the panic and stack in 500 responses (never in production)", boolean(func(o *Options) *bool { return &o.Debug })},
	{"DEFAULT", "access_log", "true", "log one line per request", boolean(func(o *Options) *bool { return &o.AccessLog })},
	{"DEFAULT", "assign_request_id", "true", "give every request a req-<uuid> id before the pipeline runs: in x-openstack-request-id on every response and in every log line about the request, also where the pipeline has no request_id filter (which then uses the same id)", boolean(func(o *Options) *bool { return &o.AssignRequestID })},
	{"DEFAULT", "wsgi_log_format", `%(client_ip)s "%(request_line)s" status: %(status_code)s  len: %(body_length)s time: %(wall_seconds).7f`, "the access log line's message, oslo's template: %(client_ip)s, %(client_port)s, %(date_time)s, %(request_line)s, %(status_code)s, %(body_length)s, %(wall_seconds).Nf; the same values are also logged as fields", str(func(o *Options) *string { return &o.LogFormat })},
	{"DEFAULT", "graceful_shutdown_timeout", "60", "seconds in-flight requests get to finish after SIGTERM; 0 = wait forever", seconds(func(o *Options) *time.Duration { return &o.GracefulShutdownTimeout })},
	{"DEFAULT", "api_workers", "0", "worker processes sharing the socket; 0 serves in this process", integer(func(o *Options) *int { return &o.Workers }, 0)},
	{"DEFAULT", "log_options", "false", "log every option, its value and where it came from, at start", boolean(func(o *Options) *bool { return &o.LogOptions })},
	{"DEFAULT", "api_paste_config", "api-paste.ini", "the paste file; a relative name is searched as oslo.config's find_file does", str(func(o *Options) *string { return &o.APIPasteConfig })},
	{"DEFAULT", "auth_strategy", "", "passed to the paste file's global configuration: picks the pipeline of OpenStack pipeline selectors (they default to keystone)", str(func(o *Options) *string { return &o.AuthStrategy })},
	{"paste_deploy", "flavor", "", "passed to the paste file's global configuration: picks the pipeline of glance/heat-style selectors", str(func(o *Options) *string { return &o.Flavor })},
	{"DEFAULT", "use_ssl", "false", "serve TLS with [ssl] cert_file and key_file", boolean(func(o *Options) *bool { return &o.UseSSL })},
	{"ssl", "cert_file", "", "server certificate (PEM); re-read on SIGHUP", str(func(o *Options) *string { return &o.CertFile })},
	{"ssl", "key_file", "", "private key (PEM); re-read on SIGHUP", str(func(o *Options) *string { return &o.KeyFile })},
	{"ssl", "ca_file", "", "CA certificates (PEM) that client certificates are verified against", str(func(o *Options) *string { return &o.CAFile })},
	{"ssl", "client_cert", "required", "with ca_file: required (oslo's behaviour) or optional", oneOf(func(o *Options) *string { return &o.ClientCert }, "required", "optional")},
	{"ssl", "version", "TLSv1_2", "lowest TLS version: TLSv1_2 or TLSv1_3", oneOf(func(o *Options) *string { return &o.TLSMinVersion }, "TLSv1_2", "TLSv1_3")},
	{"ssl", "ciphers", "", "TLS 1.2 cipher suites, colon-separated Go or IANA names; default Go's secure set", str(func(o *Options) *string { return &o.Ciphers })},
}

func lookupOption(group, name string) *option {
	for i := range options {
		if options[i].group == group && options[i].name == name {
			return &options[i]
		}
	}
	return nil
}

// Defaults returns the options with their built-in defaults.
func Defaults() Options {
	var o Options
	for _, opt := range options {
		if opt.def != "" {
			if err := opt.set(&o, opt.def); err != nil {
				panic("server: bad default for " + opt.name + ": " + err.Error())
			}
		}
	}
	return o
}

// OptionNames lists "group.name" of every option, sorted, for messages.
func OptionNames() []string {
	var out []string
	for _, o := range options {
		out = append(out, o.group+"."+o.name)
	}
	sort.Strings(out)
	return out
}
