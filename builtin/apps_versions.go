package builtin

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/pasteserve/pasteserve/apps"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/options"
)

func init() {
	factory.Register(versionsFactory(factory.Spec{
		Name:    "versions",
		Aliases: []string{"neutron.pecan_wsgi.app:versions_factory"},
		Doc:     "answers GET / with a versions document whose links follow the request's scheme, host and script name",
	}, apps.DefaultVersionsOptions))
}

// versionIDs is the key of a versions section that lists the versions.
type versionIDs struct {
	IDs []string `paste:"versions,doc=the IDs of the versions listed, in order; each has keys <id>.status (default CURRENT), <id>.path (default /<id>/), <id>.version, <id>.min_version and <id>.updated"`
}

// versionsTable is what a versions section says that tags can say: the
// table of its options.
type versionsTable struct {
	versionIDs
	apps.VersionsOptions
}

// versionAttrs are the keys of one version, <id>.<attr>.
var versionAttrs = []string{"status", "path", "version", "min_version", "updated"}

// versionsFactory is the paste side of apps.NewVersions, starting from
// the options defaults returns (neutron's, nova's, cinder's). It is
// written out rather than made by factory.AppOf because a section names
// each version's options by the version's ID (v2.1.status = CURRENT),
// which no tag can say: the versions key is decoded first, then each
// listed version's keys are read from the section over the default
// version of that ID (or CURRENT at /<id>/), then the other options are
// decoded and all of them validated, every error at its key. A key of a
// version that is not listed is an error too.
func versionsFactory(s factory.Spec, defaults func() apps.VersionsOptions) factory.Factory {
	return factory.Factory{
		Name:    s.Name,
		Aliases: s.Aliases,
		Doc:     s.Doc,
		Kind:    factory.KindApp,
		App: func(cfg *factory.Config) (http.Handler, error) {
			sec := factory.SectionOf(cfg)
			o := defaults()
			ids := versionIDs{IDs: idsOf(o.Versions)}
			ds := options.Decode(sec, &ids)
			o.Versions = versionsOf(sec, o.Versions, ids.IDs)
			ds = append(ds, options.Decode(sec, &o)...) // and o.Validate
			ds = append(ds, options.Diagnose(sec, &o, unlistedVersionKeys(sec, ids.IDs))...)
			ds.Sort()
			if err := ds.Err(); err != nil {
				return nil, err
			}
			h, err := apps.NewVersions(o)
			if err != nil {
				return nil, options.Diagnose(sec, &o, err)
			}
			return h, nil
		},
		Options: func() ([]options.Option, error) {
			o := defaults()
			return options.Describe(versionsTable{versionIDs{idsOf(o.Versions)}, o})
		},
	}
}

func idsOf(vs []apps.Version) []string {
	ids := make([]string, len(vs))
	for i, v := range vs {
		ids[i] = v.ID
	}
	return ids
}

// versionsOf returns the versions ids name: each the default version of
// its ID, or CURRENT at /<id>/, with the section's <id>.<attr> keys over
// it.
func versionsOf(sec *options.Section, defaults []apps.Version, ids []string) []apps.Version {
	out := make([]apps.Version, 0, len(ids))
	for _, id := range ids {
		v := apps.Version{ID: id, Status: "CURRENT", Path: "/" + id + "/"}
		if i := slices.IndexFunc(defaults, func(d apps.Version) bool { return d.ID == id }); i >= 0 {
			v = defaults[i]
		}
		for _, attr := range versionAttrs {
			val, ok := sec.Local[id+"."+attr]
			if !ok {
				continue
			}
			switch attr {
			case "status":
				v.Status = val
			case "path":
				v.Path = val
			case "version":
				v.Version = val
			case "min_version":
				v.MinVersion = val
			case "updated":
				v.Updated = val
			}
		}
		out = append(out, v)
	}
	return out
}

// unlistedVersionKeys reports each key <id>.<attr> of the section whose
// id is not one of ids.
func unlistedVersionKeys(sec *options.Section, ids []string) error {
	var errs []error
	keys := make([]string, 0, len(sec.Local))
	for k := range sec.Local {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		i := strings.LastIndexByte(k, '.')
		if i < 0 {
			continue
		}
		if id, attr := k[:i], k[i+1:]; slices.Contains(versionAttrs, attr) && !slices.Contains(ids, id) {
			errs = append(errs, options.Errorf(k, "%q is not one of versions (%s)", id, strings.Join(ids, ", ")))
		}
	}
	return errors.Join(errs...)
}
