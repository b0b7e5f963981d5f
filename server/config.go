package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/pasteserve/pasteserve/bridge"
	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/loader"
	"github.com/pasteserve/pasteserve/options"
)

// Flags are the command-line settings, the highest precedence.
type Flags struct {
	Paste       string   // --paste FILE
	Name        string   // --name NAME: the app in the paste file (default main)
	ServerName  string   // --server-name NAME: the [server:] section (default main)
	ConfigFiles []string // --config-file F (repeatable, later wins)
	ConfigDir   string   // --config-dir D: D/*.conf, sorted, after the files
	Bind        string   // --bind HOST:PORT
	AdminBind   string   // --admin-bind HOST:PORT: admin_bind
	Workers     int      // --workers N; -1 when not given
	Debug       bool     // --debug: log every option and debug messages
	Python      string   // --python EXE: [python] executable
	// Reload is --reload: watch the paste file, the config files and
	// the Python sources, and reload when one changes (development
	// only; see watch.go).
	Reload bool
}

// Settings is everything a server needs to start: the options with where
// each came from, and the paste file and app to serve.
type Settings struct {
	Options
	Paste       string // the paste file, as found
	Name        string // the app to serve
	ConfigFiles []string
	// Global is passed to the paste file as PasteDeploy's global_conf:
	// auth_strategy and flavor, when set.
	Global   map[string]string
	Warnings dsl.Diagnostics
	// Python are the [python] options (package bridge's): with an
	// executable, the parts of the plan with no Go factory run in
	// Python workers (docs/python.md).
	Python bridge.Options
	// ConfigDir is --config-dir, for the arguments a [python] init gets.
	ConfigDir string
	// Reload is --reload.
	Reload bool

	sources   map[string]string  // "group.name" -> where the value came from
	positions map[string]dsl.Pos // "group.name" -> where, for errors (see setting.at)
	files     []*dsl.File        // the files read, for the excerpts of errors found later
	flags     Flags
	set       *loader.Set // the paste file, read once: its [server:] settings, then its app
}

// Loaded returns the paste file as this load read it: the [server:]
// settings came from it, and the app is built from it (BuildApp), so the
// file is read and parsed once per load. It is nil when LoadSettings found no
// paste file.
func (c *Settings) Loaded() *loader.Set { return c.set }

// Source says where option group.name got its value: "default", a
// file:line:col, or a flag.
func (c *Settings) Source(group, name string) string {
	if s, ok := c.sources[group+"."+name]; ok {
		return s
	}
	return "default"
}

// setting is one value for one option from one layer.
type setting struct {
	opt   *options.Option
	value string
	where string  // a file position, or the flag it came from
	pos   dsl.Pos // the position, when it came from a file
}

// at is where s was written, for an error about it: its position, or,
// for a flag, a position naming the flag, so that the error reads
// "flag --workers: api_workers: ...".
func (s setting) at() dsl.Pos {
	if s.pos.IsValid() {
		return s.pos
	}
	return dsl.Pos{Filename: s.where}
}

// LoadSettings assembles the configuration, lowest precedence first: built-in
// defaults, the paste file's [server:NAME] section, the config files, the
// flags. A value that does not fit its option is an error at the place it
// was written.
//
// LoadSettings does not stop at the first problem: the error is a *SourceError
// whose Err is a dsl.Diagnostics listing every one, sorted, each at the
// file:line:col it is about (an error about a flag names the flag
// instead), and whose Files are the files read, for source excerpts.
// Like dsl.Parse, LoadSettings then also returns the configuration as far as it
// could read it when it found the paste file (else nil), so that
// pasteserve check can go on to check the pipeline. Only command-line
// mistakes (a --config-dir that is not a directory, a malformed --bind)
// stop it at once, with a plain error.
func LoadSettings(f Flags) (*Settings, error) {
	c := &Settings{Options: Defaults(), Python: bridge.DefaultOptions(), sources: map[string]string{}, positions: map[string]dsl.Pos{},
		flags: f, Name: f.Name, ConfigDir: f.ConfigDir, Reload: f.Reload}
	if c.Name == "" {
		c.Name = "main"
	}
	fromFlags, err := flagSettings(f)
	if err != nil {
		return nil, err
	}
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
	var ds dsl.Diagnostics
	var files []*dsl.File
	var fromFiles []setting
	for _, p := range paths {
		file, err := dsl.ParseFile(p)
		if err != nil {
			ds = append(ds, fileErr(p, err)...)
		}
		if file == nil {
			continue
		}
		// A file with syntax errors still gives the settings it could
		// read, so that their problems are reported in the same run.
		files = append(files, file)
		fromFiles = append(fromFiles, fileSettings(file)...)
	}
	c.ConfigFiles = paths

	// The paste file: --paste, else api_paste_config (from the files or
	// the default), searched as oslo.config's find_file searches.
	probe := Defaults()
	var probePos dsl.Pos
	for _, s := range fromFiles {
		if s.opt.Name == "api_paste_config" {
			probe.APIPasteConfig, probePos = s.value, s.pos
		}
	}
	paste := f.Paste
	if paste == "" {
		found, tried := findPaste(probe.APIPasteConfig, f, paths)
		if found == "" {
			at := probePos
			if !at.IsValid() {
				// The default name: no file to point at; the message
				// reads "pasteserve: cannot find ...", as other errors
				// without a position do.
				at = dsl.Pos{Filename: "pasteserve"}
			}
			ds.Errorf(at, "cannot find the paste file %q; give --paste FILE, or api_paste_config in a --config-file. Looked in:\n  %s",
				probe.APIPasteConfig, strings.Join(tried, "\n  "))
		}
		paste = found
	}
	c.Paste = paste

	var layers []setting
	srcFiles := append([]*dsl.File(nil), files...)
	if paste != "" {
		c.set, _ = loader.Open(paste) // its error is the [server:] section's, below
		fromPaste, warnings, errs, pasteFiles := pasteServerSettings(c.set, f.ServerName)
		ds = append(ds, errs...)
		srcFiles = append(srcFiles, pasteFiles...)
		c.Warnings = append(c.Warnings, warnings...)
		layers = append(layers, fromPaste...)
	}
	layers = append(layers, fromFiles...)
	layers = append(layers, fromFlags...)
	for _, s := range layers {
		// One value at a time, lowest layer first: a later value
		// replaces an earlier one, and every bad value is reported,
		// also one a later layer overrides. A value that fails leaves
		// the option as it was.
		sec := &options.Section{Local: map[string]string{s.opt.Name: s.value}, LocalPos: map[string]dsl.Pos{s.opt.Name: s.at()}}
		var dst any = &c.Options
		if s.opt.Group == pythonGroup {
			dst = &c.Python
		}
		if errs := options.Decode(sec, dst); len(errs) > 0 {
			ds = append(ds, errs...)
			continue
		}
		key := s.opt.Group + "." + s.opt.Name
		c.sources[key] = s.where
		c.positions[key] = s.at()
	}
	c.files = srcFiles
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
	ds = append(ds, c.check()...)
	if len(ds) == 0 {
		return c, nil
	}
	ds.Sort()
	if paste == "" {
		c = nil // nothing to go on with
	}
	return c, &SourceError{Err: ds, Files: srcFiles}
}

// groupGlobals hands the option groups of the config files that the
// registered factories read (factory.Default.Groups: oslo's
// [keystone_authtoken], [cors], [oslo_middleware] and [healthcheck] for
// the built-ins, and a plugin's own) to the paste file's global_conf, as
// "group.option" keys (a later file's value wins); docs/server.md,
// "Option groups for filters". Other groups stay out, so that database
// URLs and the like never show in a printed plan.
func groupGlobals(files []*dsl.File) map[string]string {
	groups := factory.Default.Groups()
	out := map[string]string{}
	for _, f := range files {
		for _, s := range f.Sections {
			if !slices.Contains(groups, s.Header) {
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
func (c *Settings) derive() {
	if _, ok := c.sources["DEFAULT.read_body_timeout"]; !ok {
		c.ReadBodyTimeout = c.ClientSocketTimeout
	}
	if _, ok := c.sources["DEFAULT.idle_timeout"]; !ok {
		c.IdleTimeout = c.ClientSocketTimeout
	}
}

// check fails early on settings that cannot work together, as oslo's
// sslutils.is_enabled does, and on TLS files that serve could not load
// (so that pasteserve check reports them too). Each problem is placed
// at the key that set the option it is about.
func (c *Settings) check() dsl.Diagnostics {
	ds := c.checkPython()
	ds = append(ds, c.checkAdmin()...)
	tls := c.UseSSL || c.CertFile != "" || c.KeyFile != ""
	if !tls {
		if c.CAFile != "" {
			ds.Errorf(c.at("ssl.ca_file"), "[ssl] ca_file is set but TLS is off: set use_ssl = true with cert_file and key_file")
		}
		return ds
	}
	if c.CertFile == "" || c.KeyFile == "" {
		at := c.at("DEFAULT.use_ssl")
		for _, key := range []string{"ssl.cert_file", "ssl.key_file"} {
			if _, set := c.positions[key]; set && !at.IsValid() {
				at = c.at(key)
			}
		}
		ds.Errorf(at, "TLS needs both [ssl] cert_file and key_file")
		return ds
	}
	c.UseSSL = true
	readable := true
	for _, p := range []struct{ name, path string }{{"cert_file", c.CertFile}, {"key_file", c.KeyFile}, {"ca_file", c.CAFile}} {
		if p.path == "" {
			continue
		}
		if _, err := os.ReadFile(p.path); err != nil {
			ds.Errorf(c.at("ssl."+p.name), "[ssl] %s: %v", p.name, err)
			readable = false
		}
	}
	if !readable {
		return ds
	}
	// What newTLS does at start: load the pair, the suites and the CAs.
	if _, err := buildTLS(c.Options); err != nil {
		key := "ssl.cert_file"
		var oe *sslOptionError
		if errors.As(err, &oe) {
			key = oe.key
		}
		ds.Errorf(c.at(key), "%v", err)
	}
	return ds
}

// LookupBindHost looks bind_host up as serve does when it binds (an
// address is taken as it is, a name resolved and its first address
// used), and returns the error serve would stop with: a *SourceError at
// the key (or flag) that set bind_host, or nil. pasteserve check calls
// it, with a deadline in ctx.
func (c *Settings) LookupBindHost(ctx context.Context) error {
	_, err := resolve(ctx, c.BindHost)
	return c.positioned(err)
}

// positioned places an error about an option, met after LoadSettings (when the
// server binds), at the key that set the option, with the files read for
// its excerpt. Other errors come back as they are.
func (c *Settings) positioned(err error) error {
	var he *hostError
	if !errors.As(err, &he) {
		return err
	}
	return &SourceError{Err: dsl.Diagnostics{{Pos: c.at("DEFAULT.bind_host"), Msg: he.Error()}}, Files: c.files}
}

// at returns where option key ("group.name") was set, for an error about
// it: its file position, or a position naming the flag.
func (c *Settings) at(key string) dsl.Pos {
	if p, ok := c.positions[key]; ok {
		return p
	}
	return dsl.Pos{Filename: "pasteserve"}
}

// fileErr turns an error from reading or parsing a config file into
// diagnostics.
func fileErr(path string, err error) dsl.Diagnostics {
	var ds dsl.Diagnostics
	if errors.As(err, &ds) {
		return ds
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return dsl.Diagnostics{{Pos: dsl.Pos{Filename: path}, Msg: err.Error()}}
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
	if f.AdminBind != "" {
		add("admin_bind", f.AdminBind, "--admin-bind")
	}
	if f.Workers != -1 { // -1: not given; any other negative is an error
		add("api_workers", strconv.Itoa(f.Workers), "--workers")
	}
	if f.Debug {
		add("log_options", "true", "--debug")
	}
	if f.Python != "" {
		out = append(out, setting{lookupOption(pythonGroup, "executable"), f.Python, "flag --python", dsl.Pos{}})
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

// serverModuleRefs are the module references (paste.server_runner =
// module:function) of the Python servers whose keys pasteserve
// translates, with the egg: reference each stands for, from their
// distributions' entry points.
var serverModuleRefs = map[string]string{
	"paste.httpserver:server_runner": "egg:paste#http",
	"waitress:serve_paste":           "egg:waitress#main",
	"gunicorn.app.pasterapp:serve":   "egg:gunicorn#main",
}

// pasteServerSettings reads the paste file's [server:NAME] section, when
// there is one, translating the Python servers' keys: egg:pasteserve#http
// takes pasteserve's own option names; egg:Paste#http, egg:waitress#main
// and egg:gunicorn#main theirs. In pasteserve's own section a key that is
// no option is an error, with the nearest option name: it is almost
// always a typo, and ignoring it would serve with the default. The Python
// servers' sections keep the keys pasteserve has no use for (those
// servers have many options), with a warning.
func pasteServerSettings(set *loader.Set, name string) (settings []setting, warnings, errs dsl.Diagnostics, files []*dsl.File) {
	if name == "" {
		name = "main"
	}
	n, warn, err := set.Server(name)
	files = set.Files()
	if err != nil {
		var ds dsl.Diagnostics
		if !errors.As(err, &ds) {
			ds = dsl.Diagnostics{{Pos: dsl.Pos{Filename: set.Path()}, Msg: err.Error()}}
		}
		return nil, warn, ds, files
	}
	if n == nil {
		return nil, warn, nil, files // no [server:] section: nothing to read
	}
	var out []setting
	add := func(key, group, optName, value string) {
		pos := n.LocalPos[key]
		out = append(out, setting{lookupOption(group, optName), value, pos.String(), pos})
	}
	ref := strings.ToLower(n.Ref.Text)
	if egg, ok := serverModuleRefs[ref]; ok {
		ref = egg
	}
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
		if ref == "egg:pasteserve#http" {
			msg := fmt.Sprintf("[%s] %s is not a pasteserve option (docs/server.md lists them)", n.Section, k)
			if near := nearestOption(k); near != "" {
				msg += "; did you mean " + near + "?"
			}
			errs.Errorf(n.LocalPos[k], "%s", msg)
			continue
		}
		warn.Warnf(n.LocalPos[k], "[%s] %s is not a setting pasteserve uses with %s; ignored", n.Section, k, n.Ref.Text)
	}
	switch ref {
	case "egg:pasteserve#http", "egg:paste#http", "egg:waitress#main", "egg:gunicorn#main":
	default:
		warn.Warnf(n.Ref.Pos, "[%s] uses %s, which pasteserve does not know; serving with its own HTTP server and the host and port given here", n.Section, n.Ref.Text)
	}
	return out, warn, errs, files
}

// nearestOption returns the option name of [DEFAULT] or [ssl] (or host or
// port) closest to key, when it is close enough to be a typo of it: two
// edits at most, and no more than half the key.
func nearestOption(key string) string {
	names := []string{"host", "port"}
	for _, o := range optionTable {
		if o.Group == "DEFAULT" || o.Group == "ssl" {
			names = append(names, o.Name)
		}
	}
	best, bestD := "", 3
	for _, name := range names {
		if d := dsl.EditDistance(key, name); d < bestD && 2*d <= len(key) {
			best, bestD = name, d
		}
	}
	return best
}
