package factory

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/options"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/redact"
)

// Config is what a factory gets: the local configuration of its section
// (PasteDeploy's local_conf) and the global one ([DEFAULT], set keys and
// the caller's; global_conf), with typed accessors.
//
// The accessors never fail at the call: a bad value is recorded as an
// error positioned at the key, the default is returned, and Err reports
// every such error once the factory has read all its options. So a
// factory reads its options straight through and ends with
//
//	if err := cfg.Err(); err != nil {
//		return nil, err
//	}
type Config struct {
	Section string            // the section header, e.g. "filter:cors"
	Local   map[string]string // local_conf
	Global  map[string]string // global_conf
	node    *plan.Node
	errs    *dsl.Diagnostics
	group   string // see InGroup
}

// ConfigFor returns the Config the factory of n, a node of a plan, gets:
// n's section, local and global configuration, with each key's position
// for errors. Resolution calls it for a composite's Children, and the
// build for every factory it calls.
func ConfigFor(n *plan.Node) *Config {
	return &Config{Section: n.Section, Local: n.Local, Global: n.Global, node: n, errs: new(dsl.Diagnostics)}
}

// InGroup returns a view of c whose accessors read each key from the
// section first and then from global_conf under group+"."+key.
//
// That is how an oslo.config option group reaches a factory: oslo's
// middleware reads its options from the paste section, falling back to a
// group of the service's configuration files ([cors], [oslo_middleware],
// [healthcheck], [keystone_authtoken]). The server hands those groups to
// the paste file as global_conf keys "group.option", and a factory that
// wants oslo's behaviour reads through cfg.InGroup("cors"). Errors found
// through the view are c's: c.Err reports them.
func (c *Config) InGroup(group string) *Config {
	v := *c
	v.group = group
	return &v
}

// lookup finds key in the section, or, for a view made by InGroup, in
// global_conf under the group.
func (c *Config) lookup(key string) (string, bool) {
	if v, ok := c.Local[key]; ok {
		return v, true
	}
	if c.group != "" {
		v, ok := c.Global[c.group+"."+key]
		return v, ok
	}
	return "", false
}

// NewConfig makes a Config from plain maps, for tests of factories.
func NewConfig(local, global map[string]string) *Config {
	if local == nil {
		local = map[string]string{}
	}
	if global == nil {
		global = map[string]string{}
	}
	return ConfigFor(&plan.Node{Local: local, Global: global, LocalPos: map[string]dsl.Pos{}})
}

// Pos returns where key was written: its position in the file, or the
// section's when the value came from elsewhere.
func (c *Config) Pos(key string) dsl.Pos {
	if p, ok := c.node.LocalPos[key]; ok {
		return p
	}
	return c.node.Pos
}

// Get returns the local value of key (or the group's, see InGroup).
func (c *Config) Get(key string) (string, bool) {
	return c.lookup(key)
}

// String returns the local value of key, or def when it is not set.
func (c *Config) String(key, def string) string {
	if v, ok := c.lookup(key); ok {
		return v
	}
	return def
}

// Errorf records an error about key, positioned at it.
// A value that came from an option group says so, since the position is
// then the section's and not the value's. The message is masked as
// redact prints values, so that factories can quote values freely: when
// key names a secret, its value is replaced by redact.Mask wherever the
// message quotes it (%q), every secret value of the section's local and
// global configuration wherever the message holds it (from 4 bytes:
// shorter, it would match the message's own words), and URL passwords
// whatever the key (see maskMessage).
func (c *Config) Errorf(key, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if v, ok := c.lookup(key); ok && redact.Secret(key, v) {
		msg = strings.ReplaceAll(msg, strconv.Quote(v), strconv.Quote(redact.Mask))
	}
	msg = maskMessage(c.Local, c.Global, msg)
	if _, local := c.Local[key]; !local && c.group != "" {
		if _, ok := c.Global[c.group+"."+key]; ok {
			msg += fmt.Sprintf(" (from global_conf %s.%s)", c.group, key)
		}
	}
	c.errs.Errorf(c.Pos(key), "[%s] %s: %s", c.Section, key, msg)
}

// maskMessage masks a message about a section whose configuration is
// local and global: URL passwords, secret name=value pairs, and every
// secret value of either map (a password, or one interpolated into
// another key's value), as redact.Secrets.Text does.
func maskMessage(local, global map[string]string, msg string) string {
	return redact.Collect(local, global).Text(msg)
}

// Err returns every error recorded so far, or nil.
func (c *Config) Err() error { return c.errs.Err() }

// Bool, Int, Duration and List are for factories that read their
// section by hand (a plugin's, or a test's). They parse values with
// package options' parsers, so a value means the same here as in an
// options struct that FilterOf, AppOf or CompositeOf decode; the
// built-ins all use those.

// Bool reads key with PasteDeploy's asbool words: true, yes, on, y, t, 1
// and false, no, off, n, f, 0, in any case.
func (c *Config) Bool(key string, def bool) bool {
	v, ok := c.lookup(key)
	if !ok {
		return def
	}
	b, err := options.ParseBool(v)
	if err != nil {
		c.Errorf(key, "%v", err)
		return def
	}
	return b
}

// Int reads key as a decimal integer.
func (c *Config) Int(key string, def int) int {
	v, ok := c.lookup(key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		c.Errorf(key, "%q is not a whole number", v)
		return def
	}
	return n
}

// Duration reads key as a Go duration ("1m30s") or a plain number of
// seconds ("90", "0.5"), the form OpenStack options use.
func (c *Config) Duration(key string, def time.Duration) time.Duration {
	v, ok := c.lookup(key)
	if !ok {
		return def
	}
	d, err := options.ParseDuration(v)
	if err != nil {
		c.Errorf(key, "%v", err)
		return def
	}
	return d
}

// List reads key as a list split on white space and commas, with empty
// items dropped: "a b", "a, b" and "a,b" are all [a b].
func (c *Config) List(key string) []string {
	v, ok := c.lookup(key)
	if !ok {
		return nil
	}
	return options.SplitList(v)
}
