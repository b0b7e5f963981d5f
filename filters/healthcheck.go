package filters

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/request"
)

// HealthcheckApp is the healthcheck app factory.
//
// healthcheck is oslo.middleware's Healthcheck: an endpoint load
// balancers poll. GET answers 200, or 503 when a backend reports the
// service unavailable; HEAD answers 204 or 503 with no body. The body
// lists the backends' reasons as text/plain (the default), text/html or
// application/json, by the Accept header; detailed = true adds the
// backends' details and facts about the process, which oslo warns may
// expose sensitive information.
//
// It is usable as an app (what oslo supports since 2025 and 18 corpus
// files do: it answers on any path, urlmap chooses the path) and as a
// filter (keystone-2018, glance-registry: it answers on path and passes
// every other request on).
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
func HealthcheckApp(cfg *factory.Config) (http.Handler, error) {
	hc, err := newHealthcheck(cfg, false)
	if err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hc.serve(w, r) {
			http.NotFound(w, r)
		}
	}), nil
}

// HealthcheckFilter is the healthcheck filter factory.
func HealthcheckFilter(cfg *factory.Config) (factory.Middleware, error) {
	hc, err := newHealthcheck(cfg, true)
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

func newHealthcheck(cfg *factory.Config, filter bool) (*healthcheck, error) {
	cfg = cfg.InGroup("healthcheck")
	hc := &healthcheck{
		detailed:      cfg.Bool("detailed", false),
		ignoreProxied: cfg.Bool("ignore_proxied_requests", false),
		backends:      newHealthBackends(cfg),
		htmlTemplate:  healthHTML,
	}
	if filter {
		hc.path = cfg.String("path", "/healthcheck")
		if !strings.HasPrefix(hc.path, "/") {
			cfg.Errorf("path", "%q does not start with /", hc.path)
		}
	}
	for _, s := range cfg.List("allowed_source_ranges") {
		p, err := parsePrefix(s)
		if err != nil {
			cfg.Errorf("allowed_source_ranges", "%q is not an IP address or CIDR", s)
			continue
		}
		hc.sourceRanges = append(hc.sourceRanges, p)
	}
	return hc, cfg.Err()
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
