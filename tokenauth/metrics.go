package tokenauth

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// auth_token's metrics, counted by every auth_token filter of the
// process: its token cache's hits and misses, and its calls to Keystone
// to validate a token, with how long they took and how they ended. They
// are plain collectors that nothing registers by itself: package server
// registers Collectors in its admin listener's registry, and a Go
// program may register them in its own.
var (
	cacheLookups = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pasteserve_authtoken_cache_requests_total",
		Help: "Token cache look-ups of auth_token, by result: hit (answered from the cache, valid or invalid) or miss (the token was verified).",
	}, []string{"result"})
	keystoneValidations = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "pasteserve_authtoken_keystone_validation_seconds",
		Help:    "Token validations auth_token asked Keystone for, with their time, by result: valid, invalid (Keystone refused the token) or error (Keystone could not be reached or gave no usable answer).",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"result"})
	keystoneErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "pasteserve_authtoken_keystone_errors_total",
		Help: "Token validations that failed because Keystone could not be reached or gave no usable answer (the request got 503).",
	})
)

var (
	cacheHits         = cacheLookups.WithLabelValues("hit")
	cacheMisses       = cacheLookups.WithLabelValues("miss")
	validationValid   = keystoneValidations.WithLabelValues("valid")
	validationInvalid = keystoneValidations.WithLabelValues("invalid")
	validationError   = keystoneValidations.WithLabelValues("error")
)

// Collectors returns auth_token's metrics, to register in a
// prometheus.Registerer: pasteserve_authtoken_cache_requests_total,
// pasteserve_authtoken_keystone_validation_seconds and
// pasteserve_authtoken_keystone_errors_total (docs/metrics.md).
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{cacheLookups, keystoneValidations, keystoneErrors}
}

// observeValidation counts one validation by Keystone that began at
// start and ended with err.
func observeValidation(start time.Time, err error) {
	took := time.Since(start).Seconds()
	switch {
	case err == nil:
		validationValid.Observe(took)
	case errors.Is(err, errInvalidToken):
		validationInvalid.Observe(took)
	default:
		validationError.Observe(took)
		keystoneErrors.Inc()
	}
}
