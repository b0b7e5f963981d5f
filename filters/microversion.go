package filters

import (
	"context"
	"fmt"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/fault"
)

// Version is an API microversion, major.minor.
type Version struct{ Major, Minor int }

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

// Microversion is the microversion factory. Options: service_type
// (required: compute, volume, ...), min_version and max_version
// (required, X.Y), legacy_headers (older per-service request headers).
//
// microversion negotiates OpenStack API microversions: a client asks for
// one with "OpenStack-API-Version: compute 2.79" (or "compute latest"),
// or with a service's older header (X-OpenStack-Nova-API-Version: 2.79);
// without one it gets min_version, so old clients keep the old
// behaviour. A version outside [min_version, max_version] is refused with
// 406, a malformed one with 400. The chosen version is answered in
// OpenStack-API-Version (and the legacy headers), with Vary naming the
// request headers, so caches keep versions apart; handlers read it with
// APIVersion(ctx).
func Microversion(cfg *factory.Config) (factory.Middleware, error) {
	service := strings.TrimSpace(cfg.String("service_type", ""))
	if service == "" || strings.ContainsAny(service, " \t,") {
		cfg.Errorf("service_type", "is required: one word, the service type clients name in OpenStack-API-Version (compute, volume, ...)")
	}
	read := func(key string) Version {
		s, ok := cfg.Get(key)
		if !ok {
			cfg.Errorf(key, "is required (X.Y)")
			return Version{}
		}
		v, err := ParseVersion(s)
		if err != nil {
			cfg.Errorf(key, "%v", err)
		}
		return v
	}
	minV, maxV := read("min_version"), read("max_version")
	if maxV.Less(minV) {
		cfg.Errorf("max_version", "%s is below min_version %s", maxV, minV)
	}
	var legacy []string
	for _, h := range cfg.List("legacy_headers") {
		if !isToken(h) {
			cfg.Errorf("legacy_headers", "%q is not a header name", h)
		}
		legacy = append(legacy, textproto.CanonicalMIMEHeaderKey(h))
	}
	if err := cfg.Err(); err != nil {
		return nil, err
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
