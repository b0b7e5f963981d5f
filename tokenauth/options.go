package tokenauth

import (
	"strconv"
	"strings"
	"time"

	"github.com/pasteserve/pasteserve/factory"
)

// keystoneAuthtokenGroup is how a server hands auth_token the options of
// a service's oslo.config [keystone_authtoken] group: as global_conf
// keys "keystone_authtoken.<option>", read through
// factory.Config.InGroup. Where keystonemiddleware reads that group
// itself (oslo_config_project), pasteserve leaves reading the service's
// config files to the server and takes the values through global_conf,
// so a paste file that names auth_token without options still builds. A
// value in the paste section wins over the global one, as
// keystonemiddleware lets paste options override the config file.
const keystoneAuthtokenGroup = "keystone_authtoken"

// optionSource reads the token filters' options: from the section
// (local_conf) first, then, when cfg is a factory.Config.InGroup view,
// from the group in global_conf. Errors are positioned at the key in the
// section, or at the section when the value came from global_conf, and
// then say so (factory.Config.Errorf).
//
// Each read takes the option's name and its deprecated names, which are
// accepted as keystonemiddleware accepts them (auth_uri for
// www_authenticate_uri, memcache_servers for memcached_servers). Any of
// them in the section wins over all of them in the group.
type optionSource struct {
	cfg *factory.Config
}

// lookup returns the first of names that is set, and its value.
func (o optionSource) lookup(names ...string) (key, value string, ok bool) {
	for _, n := range names {
		if v, ok := o.cfg.Local[n]; ok {
			return n, v, true
		}
	}
	for _, n := range names {
		if v, ok := o.cfg.Get(n); ok {
			return n, v, true
		}
	}
	return names[0], "", false
}

// errorf records a problem with key's value.
func (o optionSource) errorf(key, format string, args ...any) {
	o.cfg.Errorf(key, format, args...)
}

// set reports whether any of names is given.
func (o optionSource) set(names ...string) bool {
	_, _, ok := o.lookup(names...)
	return ok
}

func (o optionSource) str(def string, names ...string) string {
	_, v, ok := o.lookup(names...)
	if !ok {
		return def
	}
	return strings.TrimSpace(v)
}

// required is str that records an error when the option is missing or
// empty; why says what the option is for.
func (o optionSource) required(why string, names ...string) string {
	v := o.str("", names...)
	if v == "" {
		o.errorf(names[0], "is required: %s", why)
	}
	return v
}

func (o optionSource) boolean(def bool, names ...string) bool {
	key, v, ok := o.lookup(names...)
	if !ok {
		return def
	}
	b, err := factory.ParseBool(v)
	if err != nil {
		o.errorf(key, "%v", err)
		return def
	}
	return b
}

func (o optionSource) integer(def int, names ...string) int {
	key, v, ok := o.lookup(names...)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		o.errorf(key, "%q is not a whole number", v)
		return def
	}
	return n
}

// seconds reads a number of seconds ("300", "0.5", "-1"), the form
// oslo.config's IntOpts take, or a Go duration ("5m").
func (o optionSource) seconds(def time.Duration, names ...string) time.Duration {
	key, v, ok := o.lookup(names...)
	if !ok {
		return def
	}
	d, err := factory.ParseDuration(v)
	if err != nil {
		o.errorf(key, "%v", err)
		return def
	}
	return d
}

// list reads a comma or space separated list, as oslo.config's ListOpt
// (commas) and paste files (spaces) write them.
func (o optionSource) list(def []string, names ...string) []string {
	_, v, ok := o.lookup(names...)
	if !ok {
		return def
	}
	return strings.FieldsFunc(v, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
}

// oneOf reads a value that must be one of choices (case-insensitively);
// it returns the lower-cased value.
func (o optionSource) oneOf(def string, choices []string, names ...string) string {
	key, v, ok := o.lookup(names...)
	if !ok {
		return def
	}
	v = strings.ToLower(strings.TrimSpace(v))
	for _, c := range choices {
		if v == c {
			return v
		}
	}
	o.errorf(key, "%q is not one of %s", v, strings.Join(choices, ", "))
	return def
}
