package server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/loader"
)

// Flags are the command-line settings, the highest precedence.
type Flags struct {
	Paste       string   // --paste FILE
	Name        string   // --name NAME: the app in the paste file (default main)
	ServerName  string   // --server-name NAME: the [server:] section (default main)
	ConfigFiles []string // --config-file F (repeatable, later wins)
	ConfigDir   string   // --config-dir D: D/*.conf, sorted, after the files
	Bind        string   // --bind HOST:PORT
	Workers     int      // --workers N; -1 when not given
	Debug       bool     // --debug: log every option and debug messages
}

// Config is everything a server needs to start: the options with where
// each came from, and the paste file and app to serve.
type Config struct {
	Options
	Paste       string // the paste file, as found
	Name        string // the app to serve
	ConfigFiles []string
	// Global is passed to the paste file as PasteDeploy's global_conf:
	// auth_strategy and flavor, when set.
	Global   map[string]string
	Warnings dsl.Diagnostics

	sources map[string]string // "group.name" -> where the value came from
	flags   Flags
}

// Source says where option group.name got its value: "default", a
// file:line:col, or a flag.
func (c *Config) Source(group, name string) string {
	if s, ok := c.sources[group+"."+name]; ok {
		return s
	}
	return "default"
}

// setting is one value for one option from one layer.
type setting struct {
	opt   *option
	value string
	where string
	pos   dsl.Pos
}

// Load assembles the configuration, lowest precedence first: built-in
// defaults, the paste file's [server:NAME] section, the config files, the
// flags. A value that does not fit its option is an error at the place it
// was written.
func Load(f Flags) (*Config, error) {
	c := &Config{Options: Defaults(), sources: map[string]string{}, flags: f, Name: f.Name}
	if c.Name == "" {
		c.Name = "main"
	}
	var files []*dsl.File
	var fromFiles []setting
	paths := append([]string(nil), f.ConfigFiles...)
	if f.ConfigDir != "" {
		st, err := os.Stat(f.ConfigDir)
		if err != nil || !st.IsDir() {
			return nil, fmt.Errorf("--config-dir %s: not a directory", f.ConfigDir)
		}
		more, _ := filepath.Glob(filepath.Join(f.ConfigDir, "*.conf"))
		sort.Strings(more)
		paths = append(paths, more...)
	}
	for _, p := range paths {
		file, err := dsl.ParseFile(p)
		if err != nil {
			return nil, fileErr(p, err)
		}
		files = append(files, file)
		fromFiles = append(fromFiles, fileSettings(file)...)
	}
	c.ConfigFiles = paths

	// The paste file: --paste, else api_paste_config (from the files or
	// the default), searched as oslo.config's find_file searches.
	probe := Defaults()
	for _, s := range fromFiles {
		if s.opt.name == "api_paste_config" {
			probe.APIPasteConfig = s.value
		}
	}
	paste := f.Paste
	if paste == "" {
		found, tried := findPaste(probe.APIPasteConfig, f, paths)
		if found == "" {
			return nil, fmt.Errorf("cannot find the paste file %q; give --paste FILE, or api_paste_config in a --config-file. Looked in:\n  %s",
				probe.APIPasteConfig, strings.Join(tried, "\n  "))
		}
		paste = found
	}
	c.Paste = paste

	var layers []setting
	fromPaste, warnings, err := pasteServerSettings(paste, f.ServerName)
	if err != nil {
		return nil, err
	}
	c.Warnings = append(c.Warnings, warnings...)
	layers = append(layers, fromPaste...)
	layers = append(layers, fromFiles...)
	fromFlags, err := flagSettings(f)
	if err != nil {
		return nil, err
	}
	layers = append(layers, fromFlags...)
	for _, s := range layers {
		if err := s.opt.set(&c.Options, s.value); err != nil {
			if s.pos.IsValid() {
				return nil, dsl.Diagnostics{{Pos: s.pos, Msg: fmt.Sprintf("%s: %v", s.opt.name, err)}}
			}
			return nil, fmt.Errorf("%s: %s: %v", s.where, s.opt.name, err)
		}
		c.sources[s.opt.group+"."+s.opt.name] = s.where
	}
	c.derive()
	c.Global = groupGlobals(files)
	if c.AuthStrategy != "" {
		c.Global["auth_strategy"] = c.AuthStrategy
	}
	if c.Flavor != "" {
		c.Global["flavor"] = c.Flavor
	}
	if len(c.Global) == 0 {
		c.Global = nil
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return c, nil
}

// globalGroups are the option groups of the config files that reach the
// paste file's global_conf, as "group.option" keys. They are the groups
// oslo's middleware reads from a service's configuration; pasteserve's
// filters of the same names read them through loader.Config.InGroup
// (docs/server.md, "Option groups for filters"). Other groups stay out,
// so that database URLs and the like never show in a printed plan.
var globalGroups = []string{"keystone_authtoken", "cors", "oslo_middleware", "healthcheck"}

// groupGlobals hands the globalGroups of the config files (a later file's
// value wins) to the paste file's global_conf.
func groupGlobals(files []*dsl.File) map[string]string {
	out := map[string]string{}
	for _, f := range files {
		for _, s := range f.Sections {
			if !slices.Contains(globalGroups, s.Header) {
				continue
			}
			for _, e := range s.Entries {
				out[s.Header+"."+e.Key] = e.Value
			}
		}
	}
	return out
}

// derive fills the options whose default is another option's value.
func (c *Config) derive() {
	if _, ok := c.sources["DEFAULT.read_body_timeout"]; !ok {
		c.ReadBodyTimeout = c.ClientSocketTimeout
	}
	if _, ok := c.sources["DEFAULT.idle_timeout"]; !ok {
		c.IdleTimeout = c.ClientSocketTimeout
	}
}

// check fails early on settings that cannot work together, as oslo's
// sslutils.is_enabled does.
func (c *Config) check() error {
	tls := c.UseSSL || c.CertFile != "" || c.KeyFile != ""
	if !tls {
		if c.CAFile != "" {
			return errors.New("[ssl] ca_file is set but TLS is off: set use_ssl = true with cert_file and key_file")
		}
		return nil
	}
	if c.CertFile == "" || c.KeyFile == "" {
		return errors.New("TLS needs both [ssl] cert_file and key_file")
	}
	c.UseSSL = true
	for _, p := range []struct{ name, path string }{{"cert_file", c.CertFile}, {"key_file", c.KeyFile}, {"ca_file", c.CAFile}} {
		if p.path == "" {
			continue
		}
		if _, err := os.ReadFile(p.path); err != nil {
			return fmt.Errorf("[ssl] %s: %v", p.name, err)
		}
	}
	return nil
}

func fileErr(path string, err error) error {
	var ds dsl.Diagnostics
	if errors.As(err, &ds) {
		return err
	}
	return fmt.Errorf("config file %s: %v", path, err)
}

// fileSettings reads the options pasteserve knows from an oslo.config
// style file. Other keys are other programs' (neutron.conf has hundreds)
// and are left alone.
func fileSettings(f *dsl.File) []setting {
	var out []setting
	for _, s := range f.Sections {
		for _, e := range s.Entries {
			if opt := lookupOption(s.Header, e.Key); opt != nil {
				out = append(out, setting{opt, e.Value, e.KeyPos.String(), e.KeyPos})
			}
		}
	}
	return out
}

func flagSettings(f Flags) ([]setting, error) {
	var out []setting
	add := func(name, value, flag string) {
		out = append(out, setting{lookupOption("DEFAULT", name), value, "flag " + flag, dsl.Pos{}})
	}
	if f.Bind != "" {
		host, port, err := net.SplitHostPort(f.Bind)
		if err != nil {
			return nil, fmt.Errorf("--bind %s: want HOST:PORT (use [::1]:PORT for IPv6): %v", f.Bind, err)
		}
		if host != "" {
			add("bind_host", host, "--bind")
		}
		add("bind_port", port, "--bind")
	}
	if f.Workers != -1 { // -1: not given; any other negative is an error
		add("api_workers", strconv.Itoa(f.Workers), "--workers")
	}
	if f.Debug {
		add("log_options", "true", "--debug")
	}
	return out, nil
}

// findPaste searches for a relative paste file name the way oslo.config's
// find_file does: each --config-dir, the directories of the config files
// (the last file's first), then the working directory and the usual
// places. An absolute name is used only if it exists.
func findPaste(name string, f Flags, configFiles []string) (string, []string) {
	var dirs []string
	if filepath.IsAbs(name) {
		if _, err := os.Stat(name); err == nil {
			return name, nil
		}
		return "", []string{name}
	}
	if f.ConfigDir != "" {
		dirs = append(dirs, f.ConfigDir)
	}
	for i := len(configFiles) - 1; i >= 0; i-- {
		dirs = append(dirs, filepath.Dir(configFiles[i]))
	}
	dirs = append(dirs, ".")
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".pasteserve"), home)
	}
	dirs = append(dirs, "/etc/pasteserve", "/etc")
	var tried []string
	seen := map[string]bool{}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if seen[p] {
			continue
		}
		seen[p] = true
		tried = append(tried, p)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, tried
		}
	}
	return "", tried
}

// pasteServerSettings reads the paste file's [server:NAME] section, when
// there is one, translating the Python servers' keys: egg:pasteserve#http
// takes pasteserve's own option names; egg:Paste#http, egg:waitress#main
// and egg:gunicorn#main theirs. Keys with no counterpart are warned
// about.
func pasteServerSettings(paste, name string) ([]setting, dsl.Diagnostics, error) {
	if name == "" {
		name = "main"
	}
	r := &loader.Resolver{}
	n, err := r.Resolve(paste, name, loader.TypeServer, nil)
	if err != nil {
		var ds dsl.Diagnostics
		if errors.As(err, &ds) && len(ds) == 1 && strings.HasPrefix(ds[0].Msg, "no server named") {
			return nil, nil, nil // no [server:] section: nothing to read
		}
		return nil, nil, err
	}
	var out []setting
	var warn dsl.Diagnostics
	add := func(key, group, optName, value string) {
		pos := n.LocalPos[key]
		out = append(out, setting{lookupOption(group, optName), value, pos.String(), pos})
	}
	ref := strings.ToLower(n.Ref.Text)
	keys := make([]string, 0, len(n.Local))
	for k := range n.Local {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := n.Local[k]
		switch {
		case ref == "egg:pasteserve#http":
			if opt := lookupOption("DEFAULT", k); opt != nil {
				add(k, "DEFAULT", k, v)
				continue
			}
			if opt := lookupOption("ssl", k); opt != nil {
				add(k, "ssl", k, v)
				continue
			}
		}
		switch k {
		case "host":
			add(k, "DEFAULT", "bind_host", v)
			continue
		case "port":
			add(k, "DEFAULT", "bind_port", v)
			continue
		}
		switch {
		case ref == "egg:paste#http" && k == "threadpool_workers",
			ref == "egg:waitress#main" && k == "threads":
			add(k, "DEFAULT", "wsgi_default_pool_size", v)
			continue
		case ref == "egg:waitress#main" && k == "listen", ref == "egg:gunicorn#main" && k == "bind":
			first := strings.Fields(v)
			if len(first) == 0 {
				break
			}
			host, port, err := net.SplitHostPort(first[0])
			if err != nil {
				warn.Warnf(n.LocalPos[k], "%s = %s: want HOST:PORT; ignored", k, v)
				continue
			}
			if host == "*" || host == "" {
				host = "0.0.0.0"
			}
			add(k, "DEFAULT", "bind_host", host)
			add(k, "DEFAULT", "bind_port", port)
			if len(first) > 1 {
				warn.Warnf(n.LocalPos[k], "%s lists several addresses; pasteserve listens on the first, %s", k, first[0])
			}
			continue
		case ref == "egg:gunicorn#main" && k == "workers":
			add(k, "DEFAULT", "api_workers", v)
			continue
		case k == "backlog":
			add(k, "DEFAULT", "backlog", v)
			continue
		}
		warn.Warnf(n.LocalPos[k], "[%s] %s is not a setting pasteserve uses with %s; ignored", n.Section, k, n.Ref.Text)
	}
	switch ref {
	case "egg:pasteserve#http", "egg:paste#http", "egg:waitress#main", "egg:gunicorn#main":
	default:
		warn.Warnf(n.Ref.Pos, "[%s] uses %s, which pasteserve does not know; serving with its own HTTP server and the host and port given here", n.Section, n.Ref.Text)
	}
	return out, warn, nil
}
