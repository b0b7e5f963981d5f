package apps

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/pasteserve/pasteserve/options"
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

var versionStatuses = map[string]bool{"CURRENT": true, "SUPPORTED": true, "DEPRECATED": true, "EXPERIMENTAL": true}

// Version is one API version of a versions document.
type Version struct {
	// ID names the version: "v2.1".
	ID string
	// Status is CURRENT, SUPPORTED, DEPRECATED or EXPERIMENTAL, in any
	// case (the document writes it in capitals).
	Status string
	// Path is where the version is mounted, below the app's own script
	// name: its self link. It starts with /: "/v2.1/".
	Path string
	// Version and MinVersion are the largest and smallest microversion
	// the version serves ("2.96", "2.1"), or "" for a version without
	// microversions.
	Version, MinVersion string
	// Updated is the date of the version ("2013-07-23T11:33:21Z"), or "".
	Updated string
}

// VersionsOptions are the options of the versions app. A paste section
// writes Versions as a versions key listing the IDs and, for each, keys
// <id>.status, <id>.path, <id>.version, <id>.min_version and
// <id>.updated.
type VersionsOptions struct {
	// Versions are the versions the document lists, in its order; at
	// least one.
	Versions []Version
	// StatusCode is the status of the answer: 200, or 300 (Multiple
	// Choices) as cinder answers.
	StatusCode int `paste:"status_code,doc=the status of the answer: 200, or 300 (Multiple Choices)"`
	// Document is "versions", for the {"versions": [...]} document of
	// every version, or "version", for {"version": {...}} of the version
	// mounted where the app is (the one whose Path the script name ends
	// with, else the first), as nova's VersionsV2.
	Document string `paste:"document,doc=versions: the document of every version; version: that of the version mounted here"`
	// AlwaysVersion writes version and min_version in every version, ""
	// for one without microversions, as nova and cinder do; otherwise
	// they are left out when empty, as neutron does.
	AlwaysVersion bool
}

// DefaultVersionsOptions are neutron's (versions_factory): v2.0, CURRENT,
// mounted at /v2.0/.
func DefaultVersionsOptions() VersionsOptions {
	return VersionsOptions{
		Versions:   []Version{{ID: "v2.0", Status: "CURRENT", Path: "/v2.0/"}},
		StatusCode: http.StatusOK,
		Document:   "versions",
	}
}

// Validate reports options that cannot work: no version, a status code
// other than 200 or 300, an unknown document, and a version's unknown
// status or path that does not start with /. An error about one version
// names its paste key ("v2.1.status").
func (o VersionsOptions) Validate() error {
	var errs []error
	if len(o.Versions) == 0 {
		errs = append(errs, options.Errorf("versions", "lists no version"))
	}
	if o.StatusCode != http.StatusOK && o.StatusCode != http.StatusMultipleChoices {
		errs = append(errs, options.Errorf("status_code", "%d is neither 200 nor 300", o.StatusCode))
	}
	if o.Document != "versions" && o.Document != "version" {
		errs = append(errs, options.Errorf("document", "%q is neither versions nor version", o.Document))
	}
	for _, v := range o.Versions {
		if st := strings.ToUpper(v.Status); !versionStatuses[st] {
			errs = append(errs, options.Errorf(v.ID+".status", "%q is not CURRENT, SUPPORTED, DEPRECATED or EXPERIMENTAL", st))
		}
		if !strings.HasPrefix(v.Path, "/") {
			errs = append(errs, options.Errorf(v.ID+".path", "%q does not start with /", v.Path))
		}
	}
	return errors.Join(errs...)
}

// NewVersions returns the versions app, which answers an API's root with
// its versions document, the one clients read to discover which API
// versions a service has and where:
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
//
// It answers GET and HEAD on its root, 405 to other methods and 404
// below it.
func NewVersions(o VersionsOptions) (http.Handler, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	docs := make([]versionDoc, len(o.Versions))
	for i, v := range o.Versions {
		docs[i] = versionDoc{ID: v.ID, Status: strings.ToUpper(v.Status), Version: v.Version, MinVersion: v.MinVersion, Updated: v.Updated, path: v.Path}
	}
	return &versionsApp{docs: docs, status: o.StatusCode, single: o.Document == "version", full: o.AlwaysVersion,
		bodies: map[bodyKey][]byte{}}, nil
}

type versionsApp struct {
	docs   []versionDoc
	status int
	single bool // {"version": {...}}: the one version mounted here
	full   bool // version and min_version always written

	// bodies holds the answers already rendered. An answer depends only
	// on the request's scheme, host and script name, and a service sees
	// few of each, so it is rendered once and then served as bytes. The
	// Host header is the client's to choose: the cache holds at most
	// maxVersionBodies answers and starts afresh when full, so that
	// made-up hosts cost memory only up to that bound.
	mu     sync.RWMutex
	bodies map[bodyKey][]byte
}

// bodyKey is what a versions answer depends on. A struct of the
// request's own strings, so that looking it up allocates nothing.
type bodyKey struct{ scheme, host, scriptName string }

const maxVersionBodies = 256

// jsonContentType is the Content-Type value every answer shares, so that
// setting it allocates no slice per request (Header.Set would).
var jsonContentType = []string{"application/json"}

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
	key := bodyKey{request.Scheme(r), r.Host, request.ScriptName(r)}
	v.mu.RLock()
	body, ok := v.bodies[key]
	v.mu.RUnlock()
	if !ok {
		body = v.body(request.ApplicationURL(r), key.scriptName)
		// The key's strings belong to the request; the cache keeps its
		// own copies, so that it does not hold the request's memory.
		key = bodyKey{strings.Clone(key.scheme), strings.Clone(key.host), strings.Clone(key.scriptName)}
		v.mu.Lock()
		if len(v.bodies) >= maxVersionBodies {
			clear(v.bodies)
		}
		v.bodies[key] = body
		v.mu.Unlock()
	}
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(v.status)
	w.Write(body)
}

// body renders the answer for an app whose URL is base, mounted at
// scriptName.
func (v *versionsApp) body(base, scriptName string) []byte {
	var body []byte
	if v.single {
		d := v.mounted(scriptName)
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
	return body
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
