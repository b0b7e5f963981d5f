package filters

import (
	"bytes"
	"encoding/json"
	"errors"
	"html/template"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/pasteserve/pasteserve/options"
	"github.com/pasteserve/pasteserve/request"
)

// HealthcheckOptions are the options of the healthcheck app: oslo's
// [healthcheck] options. The zero value is oslo's default: no backends,
// so always healthy, with a plain body.
type HealthcheckOptions struct {
	// Detailed adds the backends' details and facts about the process
	// (Go's version, the number of goroutines) to the body, which oslo
	// warns may expose sensitive information.
	Detailed bool `paste:"detailed,group=healthcheck,doc=add the backends' details and facts about the process to the body"`
	// Backends are the checks to run, by oslo's plugin names:
	// disable_by_file, disable_by_files_ports, enable_by_files.
	Backends []string `paste:"backends,group=healthcheck,doc=the checks to run: disable_by_file, disable_by_files_ports, enable_by_files"`
	// DisableByFilePath is the file whose existence makes
	// disable_by_file report the service unavailable.
	DisableByFilePath string `paste:"disable_by_file_path,group=healthcheck,doc=disable_by_file: the file whose existence means unavailable"`
	// DisableByFilePaths are disable_by_files_ports' files, one per
	// local port, as port:path items.
	DisableByFilePaths []string `paste:"disable_by_file_paths,group=healthcheck,doc=disable_by_files_ports: port:path items, one file per local port"`
	// EnableByFilePaths are the files that must all exist for
	// enable_by_files to report the service available.
	EnableByFilePaths []string `paste:"enable_by_file_paths,group=healthcheck,doc=enable_by_files: the files that must all exist"`
	// AllowedSourceRanges, when set, are the addresses and CIDRs whose
	// requests are answered; others are not (the filter passes them on,
	// the app answers 404).
	AllowedSourceRanges []string `paste:"allowed_source_ranges,group=healthcheck,doc=addresses and CIDRs whose requests are answered; none: every one"`
	// IgnoreProxiedRequests leaves unanswered a request that carries an
	// X-Forwarded-* header, one that came through a proxy.
	IgnoreProxiedRequests bool `paste:"ignore_proxied_requests,group=healthcheck,doc=do not answer requests that carry X-Forwarded-* headers"`
}

// HealthcheckFilterOptions are the options of the healthcheck filter:
// the app's, and the path it answers on.
type HealthcheckFilterOptions struct {
	HealthcheckOptions
	// Path is the path the filter answers on; it passes every other
	// request on.
	Path string `paste:"path,group=healthcheck,doc=the path answered; other requests are passed on"`
}

// DefaultHealthcheckFilterOptions are oslo's: the filter answers on
// /healthcheck.
func DefaultHealthcheckFilterOptions() HealthcheckFilterOptions {
	return HealthcheckFilterOptions{Path: "/healthcheck"}
}

// Validate reports an unknown backend, backends that exclude each other,
// a disable_by_file_paths item that is not port:path (when
// disable_by_files_ports is a backend) and a source range that is no
// address or CIDR.
func (o HealthcheckOptions) Validate() error {
	var errs []error
	has := map[string]bool{}
	for _, name := range o.Backends {
		has[name] = true
		switch name {
		case "disable_by_file", "disable_by_files_ports", "enable_by_files":
		default:
			errs = append(errs, options.Errorf("backends", "unknown backend %q (pasteserve has disable_by_file, disable_by_files_ports, enable_by_files)", name))
		}
	}
	if has["disable_by_file"] && has["enable_by_files"] {
		errs = append(errs, options.Errorf("backends", "enable_by_files and disable_by_file cannot be configured at once"))
	}
	if has["disable_by_files_ports"] {
		if _, err := portPaths(o.DisableByFilePaths); err != nil {
			errs = append(errs, err)
		}
	}
	for _, s := range o.AllowedSourceRanges {
		if _, err := parsePrefix(s); err != nil {
			errs = append(errs, options.Errorf("allowed_source_ranges", "%q is not an IP address or CIDR", s))
		}
	}
	return errors.Join(errs...)
}

// Validate is HealthcheckOptions.Validate, and a path that does not
// start with /.
func (o HealthcheckFilterOptions) Validate() error {
	err := o.HealthcheckOptions.Validate()
	if !strings.HasPrefix(o.Path, "/") {
		err = errors.Join(err, options.Errorf("path", "%q does not start with /", o.Path))
	}
	return err
}

// NewHealthcheck returns oslo.middleware's Healthcheck as an app
// (egg:oslo.middleware#healthcheck): an endpoint load balancers poll,
// which answers on any path (urlmap chooses the path). GET answers 200,
// or 503 when a backend reports the service unavailable; HEAD answers
// 204 or 503 with no body. The body lists the backends' reasons as
// text/plain (the default), text/html or application/json, by the
// Accept header; Detailed adds the backends' details and facts about the
// process, which oslo warns may expose sensitive information.
//
// It is usable as an app (what oslo supports since 2025 and 18 corpus
// files do: it answers on any path, urlmap chooses the path) and as a
// filter (NewHealthcheckFilter; keystone-2018, glance-registry: it
// answers on path and passes every other request on).
//
// With no backends, like oslo, it is always healthy and its text body is
// empty. It tells that the process is serving requests, not that the
// service works (oslo's own warning).
//
// allowed_source_ranges and ignore_proxied_requests keep the endpoint
// from the public: a request from outside the ranges, or (with
// ignore_proxied_requests) carrying an X-Forwarded-* header, is not
// answered. The filter passes it on; the app answers 404, since it has
// nothing to pass it to.
//
// From a paste file, each option is read from the section and then from
// the [healthcheck] group.
func NewHealthcheck(o HealthcheckOptions) (http.Handler, error) {
	hc, err := newHealthcheck(o, "")
	if err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hc.serve(w, r) {
			http.NotFound(w, r)
		}
	}), nil
}

// NewHealthcheckFilter returns the healthcheck as a filter: it answers
// health checks on o.Path (default /healthcheck) as NewHealthcheck does,
// and passes other requests on.
func NewHealthcheckFilter(o HealthcheckFilterOptions) (func(http.Handler) http.Handler, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	hc, err := newHealthcheck(o.HealthcheckOptions, o.Path)
	if err != nil {
		return nil, err
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !hc.serve(w, r) {
				next.ServeHTTP(w, r)
			}
		})
	}, nil
}

type healthcheck struct {
	path          string // "" for the app: any path
	detailed      bool
	backends      []healthBackend
	sourceRanges  []netip.Prefix
	ignoreProxied bool
	htmlTemplate  *template.Template
}

var healthOffers = []string{"text/plain", "text/html", "application/json"}

// newHealthcheck builds the endpoint of o, answering on path ("": any).
func newHealthcheck(o HealthcheckOptions, path string) (*healthcheck, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	hc := &healthcheck{
		path:          path,
		detailed:      o.Detailed,
		ignoreProxied: o.IgnoreProxiedRequests,
		backends:      newHealthBackends(o),
		htmlTemplate:  healthHTML,
	}
	for _, s := range o.AllowedSourceRanges {
		p, _ := parsePrefix(s) // Validate checked them
		hc.sourceRanges = append(hc.sourceRanges, p)
	}
	return hc, nil
}

// serve answers r if it is a health check for this endpoint, and reports
// whether it did.
func (hc *healthcheck) serve(w http.ResponseWriter, r *http.Request) bool {
	if hc.path != "" && request.ScriptName(r)+r.URL.Path != hc.path {
		return false
	}
	if len(hc.sourceRanges) > 0 {
		a, ok := parseNodeIP(r.RemoteAddr)
		if !ok || !hc.inRanges(a) {
			return false
		}
	}
	if hc.ignoreProxied {
		for _, h := range []string{"X-Forwarded", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-For", "X-Forwarded-Prefix"} {
			if r.Header.Get(h) != "" {
				return false
			}
		}
	}
	results := make([]healthResult, len(hc.backends))
	healthy := true
	port := localPort(r)
	for i, b := range hc.backends {
		results[i] = b.check(port)
		healthy = healthy && results[i].Available
	}
	status := http.StatusOK
	if r.Method == http.MethodHead {
		status = http.StatusNoContent
	}
	if !healthy {
		status = http.StatusServiceUnavailable
	}
	if r.Method == http.MethodHead {
		// As oslo's webob response: no body, and a 204 has no
		// Content-Type either.
		if status != http.StatusNoContent {
			w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
		}
		w.WriteHeader(status)
		return true
	}
	kind := negotiate(r.Header.Get("Accept"), healthOffers)
	if kind == "" {
		kind = "text/plain" // never 406: an error here confuses load balancers
	}
	var body []byte
	contentType := kind + "; charset=UTF-8"
	switch kind {
	case "text/plain":
		// oslo's template puts each reason on a line of its own, empty
		// ones included, and strips the whole.
		reasons := make([]string, len(results))
		for i, res := range results {
			reasons[i] = res.Reason
		}
		body = []byte(strings.TrimSpace(strings.Join(reasons, "\n")))
	case "text/html":
		var buf bytes.Buffer
		hc.htmlTemplate.Execute(&buf, hc.facts(results))
		body = buf.Bytes()
	case "application/json":
		contentType = "application/json"
		body = hc.json(results)
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
	return true
}

func (hc *healthcheck) inRanges(a netip.Addr) bool {
	for _, p := range hc.sourceRanges {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// localPort is the port of the listener the request came in on: WSGI's
// SERVER_PORT, which disable_by_files_ports keys on.
func localPort(r *http.Request) int {
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if ap, err := netip.ParseAddrPort(a.String()); err == nil {
			return int(ap.Port())
		}
	}
	return 0
}

// healthFacts is what detailed output shows; oslo's Python version, gc
// counts and thread stacks become Go's version, GC count and the number
// of goroutines (their stacks are not shown).
type healthFacts struct {
	Detailed   bool                `json:"detailed"`
	GoVersion  string              `json:"go_version,omitempty"`
	Now        string              `json:"now,omitempty"`
	Platform   string              `json:"platform,omitempty"`
	Goroutines int                 `json:"goroutines,omitempty"`
	GC         map[string]uint32   `json:"gc,omitempty"`
	Reasons    []map[string]string `json:"reasons"`
	Results    []healthResult      `json:"-"`
}

func (hc *healthcheck) facts(results []healthResult) healthFacts {
	f := healthFacts{Detailed: hc.detailed, Results: results, Reasons: []map[string]string{}}
	for _, r := range results {
		if hc.detailed {
			f.Reasons = append(f.Reasons, map[string]string{"reason": r.Reason, "details": r.Details, "class": r.Class})
		}
	}
	if hc.detailed {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		f.GoVersion = runtime.Version()
		f.Now = time.Now().UTC().Format("2006-01-02 15:04:05.000000")
		f.Platform = runtime.GOOS + "-" + runtime.GOARCH
		f.Goroutines = runtime.NumGoroutine()
		f.GC = map[string]uint32{"num_gc": ms.NumGC}
	}
	return f
}

func (hc *healthcheck) json(results []healthResult) []byte {
	var v any
	if hc.detailed {
		v = hc.facts(results)
	} else {
		reasons := make([]string, 0, len(results))
		for _, r := range results {
			reasons = append(reasons, r.Reason)
		}
		v = map[string]any{"detailed": false, "reasons": reasons}
	}
	b, _ := json.MarshalIndent(v, "", "    ")
	return b
}

// healthHTML renders, byte for byte, what oslo's Jinja template
// HTML_RESPONSE_TEMPLATE renders (after its strip()) when detailed is
// off; the detailed part shows Go's facts in oslo's layout.
var healthHTML = template.Must(template.New("healthcheck").Parse(`<HTML>
<HEAD><TITLE>Healthcheck Status</TITLE></HEAD>
<BODY>
{{if .Detailed}}<H1>Server status</H1>
<B>Current time:</B><PRE>{{.Now}}</PRE>
<B>Go version:</B><PRE>{{.GoVersion}}</PRE>
<B>Platform:</B><PRE>{{.Platform}}</PRE>
<B>Goroutines:</B><PRE>{{.Goroutines}}</PRE>
<HR></HR>{{end}}
<H2>Result of {{len .Results}} checks:</H2>
<TABLE bgcolor="#ffffff" border="1">
<TBODY>
<TR>
{{if .Detailed}}<TH>
Kind
</TH>
<TH>
Reason
</TH>
<TH>
Details
</TH>
{{else}}
<TH>
Reason
</TH>{{end}}
</TR>
{{range .Results}}{{if .Reason}}<TR>
{{if $.Detailed}}    <TD>{{.Class}}</TD>{{end}}
    <TD>{{.Reason}}</TD>
{{if $.Detailed}}    <TD>{{.Details}}</TD>{{end}}
</TR>{{end}}{{end}}
</TBODY>
</TABLE>
<HR></HR>

</BODY>
</HTML>`))
