package apps

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/pasteserve/pasteserve/filters"
	"github.com/pasteserve/pasteserve/loader"
)

// versions answers an API's root with its versions document, the one
// clients read to discover which API versions a service has and where:
//
//	{"versions": [{"id": "v2.0", "status": "CURRENT",
//	  "links": [{"rel": "self", "href": "https://api.example.com/network/v2.0/"}]}]}
//
// It stands in for the 35 project-specific version apps of the corpus;
// with no options it is neutron's (versions_factory). The links are built
// from the request's scheme, host and script name (filters.ApplicationURL),
// so behind a proxy they are right once http_proxy_to_wsgi has applied
// the proxy's headers: the failure users most often hit here is links
// that say http:// to a client that came in over https.
func init() {
	loader.Register(loader.Factory{
		Name:    "versions",
		Aliases: []string{"neutron.pecan_wsgi.app:versions_factory"},
		Kind:    loader.KindApp,
		Doc:     "answers GET / with a versions document whose links follow the request's scheme, host and script name",
		App:     newVersions,
	})
}

type versionDoc struct {
	ID         string        `json:"id"`
	Status     string        `json:"status"`
	Version    string        `json:"version,omitempty"`
	MinVersion string        `json:"min_version,omitempty"`
	Updated    string        `json:"updated,omitempty"`
	Links      []versionLink `json:"links"`
	path       string
}

type versionLink struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

var versionAttrs = map[string]bool{"status": true, "path": true, "version": true, "min_version": true, "updated": true}

var versionStatuses = map[string]bool{"CURRENT": true, "SUPPORTED": true, "DEPRECATED": true, "EXPERIMENTAL": true}

func newVersions(cfg *loader.Config) (http.Handler, error) {
	ids := cfg.List("versions")
	if _, ok := cfg.Get("versions"); !ok {
		ids = []string{"v2.0"}
	}
	if len(ids) == 0 {
		cfg.Errorf("versions", "lists no version")
	}
	status := cfg.Int("status_code", http.StatusOK)
	if status != http.StatusOK && status != http.StatusMultipleChoices {
		cfg.Errorf("status_code", "%d is neither 200 nor 300", status)
	}
	known := map[string]bool{}
	var docs []versionDoc
	for _, id := range ids {
		known[id] = true
		d := versionDoc{
			ID:         id,
			Status:     strings.ToUpper(cfg.String(id+".status", "CURRENT")),
			Version:    cfg.String(id+".version", ""),
			MinVersion: cfg.String(id+".min_version", ""),
			Updated:    cfg.String(id+".updated", ""),
			path:       cfg.String(id+".path", "/"+id+"/"),
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
	return &versionsApp{docs: docs, status: status}, nil
}

type versionsApp struct {
	docs   []versionDoc
	status int
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
	base := filters.ApplicationURL(r)
	docs := make([]versionDoc, len(v.docs))
	for i, d := range v.docs {
		d.Links = []versionLink{{Rel: "self", Href: base + d.path}}
		docs[i] = d
	}
	body, _ := json.Marshal(map[string]any{"versions": docs})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(v.status)
	w.Write(body)
}
