package apps

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/request"
)

type versionDoc struct {
	ID         string        `json:"id"`
	Status     string        `json:"status"`
	Version    string        `json:"version,omitempty"`
	MinVersion string        `json:"min_version,omitempty"`
	Updated    string        `json:"updated,omitempty"`
	Links      []versionLink `json:"links"`
	path       string
}

// versionDocFull is versionDoc with version and min_version always
// present, as nova and cinder write them ("" for a version without
// microversions).
type versionDocFull struct {
	ID         string        `json:"id"`
	Status     string        `json:"status"`
	Version    string        `json:"version"`
	MinVersion string        `json:"min_version"`
	Updated    string        `json:"updated,omitempty"`
	Links      []versionLink `json:"links"`
}

type versionLink struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

var versionAttrs = map[string]bool{"status": true, "path": true, "version": true, "min_version": true, "updated": true}

var versionStatuses = map[string]bool{"CURRENT": true, "SUPPORTED": true, "DEPRECATED": true, "EXPERIMENTAL": true}

// Versions is the versions factory.
//
// versions answers an API's root with its versions document, the one
// clients read to discover which API versions a service has and where:
//
//	{"versions": [{"id": "v2.0", "status": "CURRENT",
//	  "links": [{"rel": "self", "href": "https://api.example.com/network/v2.0/"}]}]}
//
// It stands in for the 35 project-specific version apps of the corpus;
// with no options it is neutron's (versions_factory). The links are built
// from the request's scheme, host and script name (request.ApplicationURL),
// so behind a proxy they are right once http_proxy_to_wsgi has applied
// the proxy's headers: the failure users most often hit here is links
// that say http:// to a client that came in over https.
func Versions(cfg *factory.Config) (http.Handler, error) {
	return versionsFlavor{}.build(cfg)
}

// versionsFlavor is what a project's own versions app does that the
// options do not say: its defaults for the options (the project's
// versions, their ranges and dates), and whether version and min_version
// are always written.
type versionsFlavor struct {
	defaults map[string]string
	fullDocs bool
}

func (f versionsFlavor) build(cfg *factory.Config) (http.Handler, error) {
	opt := func(key, def string) string {
		if d, ok := f.defaults[key]; ok {
			def = d
		}
		return cfg.String(key, def)
	}
	ids := cfg.List("versions")
	if _, ok := cfg.Get("versions"); !ok {
		ids = strings.Fields(opt("versions", "v2.0"))
	}
	if len(ids) == 0 {
		cfg.Errorf("versions", "lists no version")
	}
	defStatus := http.StatusOK
	if f.defaults["status_code"] == "300" {
		defStatus = http.StatusMultipleChoices
	}
	status := cfg.Int("status_code", defStatus)
	if status != http.StatusOK && status != http.StatusMultipleChoices {
		cfg.Errorf("status_code", "%d is neither 200 nor 300", status)
	}
	single := false
	switch doc := opt("document", "versions"); doc {
	case "versions":
	case "version":
		single = true
	default:
		cfg.Errorf("document", "%q is neither versions nor version", doc)
	}
	known := map[string]bool{}
	var docs []versionDoc
	for _, id := range ids {
		known[id] = true
		d := versionDoc{
			ID:         id,
			Status:     strings.ToUpper(opt(id+".status", "CURRENT")),
			Version:    opt(id+".version", ""),
			MinVersion: opt(id+".min_version", ""),
			Updated:    opt(id+".updated", ""),
			path:       opt(id+".path", "/"+id+"/"),
		}
		if !versionStatuses[d.Status] {
			cfg.Errorf(id+".status", "%q is not CURRENT, SUPPORTED, DEPRECATED or EXPERIMENTAL", d.Status)
		}
		if !strings.HasPrefix(d.path, "/") {
			cfg.Errorf(id+".path", "%q does not start with /", d.path)
		}
		docs = append(docs, d)
	}
	for _, k := range sortedKeys(cfg.Local) {
		i := strings.LastIndexByte(k, '.')
		if i < 0 {
			continue
		}
		if id, attr := k[:i], k[i+1:]; versionAttrs[attr] && !known[id] {
			cfg.Errorf(k, "%q is not one of versions (%s)", id, strings.Join(ids, ", "))
		}
	}
	if err := cfg.Err(); err != nil {
		return nil, err
	}
	return &versionsApp{docs: docs, status: status, single: single, full: f.fullDocs}, nil
}

type versionsApp struct {
	docs   []versionDoc
	status int
	single bool // {"version": {...}}: the one version mounted here
	full   bool // version and min_version always written
}

func (v *versionsApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" && r.URL.Path != "" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	base := request.ApplicationURL(r)
	var body []byte
	if v.single {
		d := v.mounted(request.ScriptName(r))
		d.Links = []versionLink{{Rel: "self", Href: base + "/"}}
		body, _ = json.Marshal(map[string]any{"version": v.render(d)})
	} else {
		docs := make([]any, len(v.docs))
		for i, d := range v.docs {
			d.Links = []versionLink{{Rel: "self", Href: base + d.path}}
			docs[i] = v.render(d)
		}
		body, _ = json.Marshal(map[string]any{"versions": docs})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(v.status)
	w.Write(body)
}

// mounted returns the version whose path is where the app is mounted
// (the end of the script name, so that a proxy's prefix does not
// matter), else the first: nova mounts one VersionsV2 app at /v2 and at
// /v2.1, and each shows its own version.
func (v *versionsApp) mounted(scriptName string) versionDoc {
	sn := strings.TrimSuffix(scriptName, "/")
	for _, d := range v.docs {
		if p := strings.TrimSuffix(d.path, "/"); p != "" && strings.HasSuffix(sn, p) {
			return d
		}
	}
	return v.docs[0]
}

func (v *versionsApp) render(d versionDoc) any {
	if v.full {
		return versionDocFull{ID: d.ID, Status: d.Status, Version: d.Version, MinVersion: d.MinVersion, Updated: d.Updated, Links: d.Links}
	}
	return d
}
