package filters

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/pasteserve/pasteserve/fault"
	"github.com/pasteserve/pasteserve/options"
)

// Version is an API microversion, major.minor.
type Version struct{ Major, Minor int }

// String returns the version as a client writes it in the header:
// "2.1".
func (v Version) String() string { return strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Minor) }

// Less reports whether v comes before w.
func (v Version) Less(w Version) bool {
	return v.Major < w.Major || v.Major == w.Major && v.Minor < w.Minor
}

// ParseVersion reads "X.Y".
func ParseVersion(s string) (Version, error) {
	maj, min, ok := strings.Cut(strings.TrimSpace(s), ".")
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	if !ok || err1 != nil || err2 != nil || a < 0 || b < 0 || strings.ContainsAny(maj+min, "+- ") {
		return Version{}, fmt.Errorf("%q is not a version X.Y", s)
	}
	return Version{a, b}, nil
}

type versionKey struct{}

// APIVersion returns the microversion the microversion filter chose.
func APIVersion(ctx context.Context) (Version, bool) {
	v, ok := ctx.Value(versionKey{}).(Version)
	return v, ok
}

// APIVersionHeader is the standard microversion header.
const APIVersionHeader = "Openstack-Api-Version"

// MicroversionOptions are the options of the microversion filter.
type MicroversionOptions struct {
	// ServiceType is the service type clients name in
	// OpenStack-API-Version: one word (compute, volume, ...). Required.
	ServiceType string `paste:"service_type,doc=the service type clients name in OpenStack-API-Version (compute, volume, ...)"`
	// MinVersion is the oldest version served, X.Y, and what a request
	// that asks for none gets. Required.
	MinVersion string `paste:"min_version,doc=the oldest version served, X.Y, given to requests that ask for none"`
	// MaxVersion is the newest version served, X.Y ("latest"). Required.
	MaxVersion string `paste:"max_version,doc=the newest version served, X.Y (what latest means)"`
	// LegacyHeaders are the service's older request headers
	// (X-OpenStack-Nova-API-Version), read when OpenStack-API-Version
	// does not name the service, and answered too.
	LegacyHeaders []string `paste:"legacy_headers,doc=older per-service version headers (X-OpenStack-Nova-API-Version)"`
}

// Validate checks that the service type is one word, the versions are
// X.Y with min_version not above max_version, and the legacy headers
// are header names.
func (o MicroversionOptions) Validate() error {
	_, _, _, err := o.parse()
	return err
}

// parse reads o's versions, and reports every problem of o.
func (o MicroversionOptions) parse() (service string, minV, maxV Version, err error) {
	var errs []error
	service = strings.TrimSpace(o.ServiceType)
	if service == "" || strings.ContainsAny(service, " \t,") {
		errs = append(errs, options.Errorf("service_type", "is required: one word, the service type clients name in OpenStack-API-Version (compute, volume, ...)"))
	}
	read := func(key, s string) (Version, bool) {
		if s == "" {
			errs = append(errs, options.Errorf(key, "is required (X.Y)"))
			return Version{}, false
		}
		v, err := ParseVersion(s)
		if err != nil {
			errs = append(errs, options.Errorf(key, "%v", err))
		}
		return v, err == nil
	}
	minV, okMin := read("min_version", o.MinVersion)
	maxV, okMax := read("max_version", o.MaxVersion)
	if okMin && okMax && maxV.Less(minV) {
		errs = append(errs, options.Errorf("max_version", "%s is below min_version %s", maxV, minV))
	}
	for _, h := range o.LegacyHeaders {
		if !isToken(h) {
			errs = append(errs, options.Errorf("legacy_headers", "%q is not a header name", h))
		}
	}
	return service, minV, maxV, errors.Join(errs...)
}

// NewMicroversion returns a filter that negotiates OpenStack API microversions: a client asks for
// one with "OpenStack-API-Version: compute 2.79" (or "compute latest"),
// or with a service's older header (X-OpenStack-Nova-API-Version: 2.79);
// without one it gets min_version, so old clients keep the old
// behaviour. A version outside [min_version, max_version] is refused with
// 406, a malformed one with 400. The chosen version is answered in
// OpenStack-API-Version (and the legacy headers), with Vary naming the
// request headers, so caches keep versions apart; handlers read it with
// APIVersion(ctx).
func NewMicroversion(o MicroversionOptions) (func(http.Handler) http.Handler, error) {
	service, minV, maxV, err := o.parse()
	if err != nil {
		return nil, err
	}
	var legacy []string
	for _, h := range o.LegacyHeaders {
		legacy = append(legacy, textproto.CanonicalMIMEHeaderKey(h))
	}
	vary := strings.Join(append([]string{"OpenStack-API-Version"}, legacy...), ", ")
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Vary", vary)
			asked := requestedVersion(r.Header, service, legacy)
			v := minV
			switch {
			case asked == "":
			case strings.EqualFold(asked, "latest"):
				v = maxV
			default:
				var err error
				if v, err = ParseVersion(asked); err != nil {
					fault.Write(w, r, http.StatusBadRequest, fmt.Sprintf("Version %q is not in the form X.Y or latest.", asked))
					return
				}
			}
			if v.Less(minV) || maxV.Less(v) {
				fault.Write(w, r, http.StatusNotAcceptable, fmt.Sprintf("Version %s is not supported by the API. Minimum is %s and maximum is %s.", v, minV, maxV))
				return
			}
			h := w.Header()
			h.Set(APIVersionHeader, service+" "+v.String())
			for _, l := range legacy {
				h.Set(l, v.String())
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), versionKey{}, v)))
		})
	}, nil
}

// requestedVersion finds the version asked for service: in
// OpenStack-API-Version, whose values are "service version" items
// separated by commas, possibly over several header lines; else in the
// first legacy header present.
func requestedVersion(h http.Header, service string, legacy []string) string {
	for _, line := range h.Values(APIVersionHeader) {
		for _, item := range strings.Split(line, ",") {
			svc, ver, _ := strings.Cut(strings.TrimSpace(item), " ")
			if strings.EqualFold(svc, service) {
				return strings.TrimSpace(ver)
			}
		}
	}
	for _, l := range legacy {
		if v := h.Get(l); v != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
