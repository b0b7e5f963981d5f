package options

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/redact"
)

// Section is what Decode reads: one paste section's configuration, as
// plain data. A loader fills it from a resolved section; a test, from
// literals.
type Section struct {
	// Name is the section's header, "filter:cors", which every message
	// starts with ("[filter:cors] max_age: ..."). Options that are no
	// section's (a server's, gathered from several files and flags)
	// leave it empty, and messages start with the key.
	Name string
	// Pos is the section's header: where an error about a missing
	// option points, and one about a value whose key has no position.
	Pos dsl.Pos
	// Local is the section's own configuration (PasteDeploy's
	// local_conf), and LocalPos where each key of it was written.
	Local    map[string]string
	LocalPos map[string]dsl.Pos
	// Global is the configuration every section shares (PasteDeploy's
	// global_conf): [DEFAULT], set keys, and the option groups a server
	// hands over as "group.option" keys. GlobalPos is where a key of it
	// was written, when the caller knows (a server knows the line of a
	// group's option in its config file); else errors about it point at
	// the section.
	Global    map[string]string
	GlobalPos map[string]dsl.Pos
	// Here is the directory a relative path option from Local is joined
	// to: the paste file's, which %(here)s names. Empty leaves relative
	// paths relative to the working directory.
	Here string
}

// Source is where an option's value was found.
type Source struct {
	// Key is the name the value was found under: the option's name, an
	// alias, or a deprecated name.
	Key string
	// Group is the option's group when the value came from global_conf
	// (as Group+"."+Key), and empty when it came from the section.
	Group string
	Value string
	// Pos is where the value was written: the key's position, or the
	// section's when that is not known.
	Pos dsl.Pos
	// Deprecated reports that Key is one of the option's deprecated
	// names.
	Deprecated bool
}

// find returns where s's value is: any of its names in the section
// first, then any of them in its group.
func (sec *Section) find(s *spec) (Source, bool) {
	for _, n := range s.names() {
		if v, ok := sec.Local[n]; ok {
			return Source{Key: n, Value: v, Pos: sec.localPos(n), Deprecated: isDeprecated(s, n)}, true
		}
	}
	if s.group == "" {
		return Source{}, false
	}
	for _, n := range s.names() {
		k := s.group + "." + n
		if v, ok := sec.Global[k]; ok {
			pos, ok := sec.GlobalPos[k]
			if !ok {
				pos = sec.Pos
			}
			return Source{Key: n, Group: s.group, Value: v, Pos: pos, Deprecated: isDeprecated(s, n)}, true
		}
	}
	return Source{}, false
}

func isDeprecated(s *spec, name string) bool {
	for _, d := range s.deprecated {
		if d == name {
			return true
		}
	}
	return false
}

func (sec *Section) localPos(key string) dsl.Pos {
	if p, ok := sec.LocalPos[key]; ok {
		return p
	}
	return sec.Pos
}

// Lookup returns where the option of dst named option (by its name, an
// alias or a deprecated name) takes its value from, and whether it is
// given at all: what a factory asks when the absence of an option means
// something (a default that depends on another option, say). A name
// that is no option of dst is looked up as a key of the section.
func Lookup(sec *Section, dst any, option string) (Source, bool) {
	if sec == nil {
		sec = &Section{}
	}
	if t, err := structType(dst, "Lookup"); err == nil {
		if ti := infoOf(t); ti.err == nil {
			if s, ok := ti.byName[option]; ok {
				return sec.find(s)
			}
		}
	}
	if v, ok := sec.Local[option]; ok {
		return Source{Key: option, Value: v, Pos: sec.localPos(option)}, true
	}
	return Source{}, false
}

// Unknown lists the keys of the section that no option of t (a struct,
// or a pointer to one) reads under any of its names, sorted: for a
// factory that warns about typos, since unknown keys are otherwise no
// error (a paste section carries keys for other readers).
func Unknown(sec *Section, t any) ([]string, error) {
	st, err := structType(t, "Unknown")
	if err != nil {
		return nil, err
	}
	ti := infoOf(st)
	if ti.err != nil {
		return nil, ti.err
	}
	var out []string
	if sec == nil {
		return out, nil
	}
	for k := range sec.Local {
		if _, ok := ti.byName[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}

// reporter builds the diagnostics of one section: positioned, prefixed
// with the section and masked as the package doc says.
type reporter struct {
	sec     *Section
	ds      dsl.Diagnostics
	secrets *redact.Secrets // of Local and Global, collected when first needed
}

func (r *reporter) prefix() string {
	if r.sec.Name == "" {
		return ""
	}
	return "[" + r.sec.Name + "] "
}

// text masks msg, a message about src's value (when found) that may
// quote it, or quote the items in also: the value of a secret key
// wherever it is quoted, and every secret value of the section and of
// global_conf wherever it appears (redact.Secrets.Text), as
// loader.Config.Errorf has always masked.
func (r *reporter) text(msg string, src Source, found bool, also ...string) string {
	if found && redact.Secret(src.Key, src.Value) {
		quoted := strconv.Quote(redact.Mask)
		for _, v := range append([]string{src.Value, strings.TrimSpace(src.Value)}, also...) {
			msg = strings.ReplaceAll(msg, strconv.Quote(v), quoted)
		}
	}
	if r.secrets == nil {
		s := redact.Collect(r.sec.Local, r.sec.Global)
		r.secrets = &s
	}
	return r.secrets.Text(msg)
}

// shown is how a message quotes v, src's value or an item of it: as
// redact.Mask when src's key names a secret.
func shown(src Source, v string) string {
	if redact.Secret(src.Key, src.Value) {
		return redact.Mask
	}
	return v
}

// report adds a diagnostic about the option called name: at the value
// when found (then under the key it was found under, saying so when it
// came from global_conf), else at the section.
func (r *reporter) report(sev dsl.Severity, name string, src Source, found bool, msg string, also ...string) {
	msg = r.text(msg, src, found, also...)
	pos := r.sec.Pos
	if found {
		pos, name = src.Pos, src.Key
		if src.Group != "" {
			msg += fmt.Sprintf(" (from global_conf %s.%s)", src.Group, src.Key)
		}
	}
	r.ds = append(r.ds, &dsl.Diagnostic{Severity: sev, Pos: pos, Msg: r.prefix() + name + ": " + msg})
}
