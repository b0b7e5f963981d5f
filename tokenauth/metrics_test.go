package tokenauth

import (
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// auth_token counts its cache's hits and misses and its validations by
// Keystone, by result; an error (Keystone answers 500) is counted as
// one, a refused token as invalid. The counters are the process's, so
// the test compares them before and after. Seen failing with the cache
// counters left out of cachingVerifier.verify, and with an invalid
// token counted as a Keystone error.
func TestAuthTokenMetrics(t *testing.T) {
	k := newFakeKeystone(t)
	h := mustBuild(t, authPaste(authTokenPaste(k)))
	tok := k.issue("alice", time.Hour)
	hits, misses := metricValue(cacheHits), metricValue(cacheMisses)
	valid, invalid, failed := metricValue(validationValid), metricValue(validationInvalid), metricValue(validationError)
	errs := metricValue(keystoneErrors)
	for range 3 {
		if rec := get(h, "/", "X-Auth-Token", tok); rec.Code != 200 {
			t.Fatal(rec.Code)
		}
	}
	for range 2 {
		if rec := get(h, "/", "X-Auth-Token", "gAAAAbad"); rec.Code != 401 {
			t.Fatal(rec.Code)
		}
	}
	k.setFail(http.StatusInternalServerError)
	if rec := get(h, "/", "X-Auth-Token", k.issue("alice", time.Hour)); rec.Code != 503 {
		t.Fatalf("Keystone failing: %d", rec.Code)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"cache hits", metricValue(cacheHits) - hits, 3},       // tok twice, the bad token once
		{"cache misses", metricValue(cacheMisses) - misses, 3}, // tok, the bad token, the one Keystone failed
		{"valid", metricValue(validationValid) - valid, 1},
		{"invalid", metricValue(validationInvalid) - invalid, 1},
		{"error", metricValue(validationError) - failed, 1},
		{"keystone errors", metricValue(keystoneErrors) - errs, 1},
	} {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
}

// metricValue is a counter's value, or a histogram's count.
func metricValue(c any) float64 {
	var m dto.Metric
	c.(prometheus.Metric).Write(&m)
	if m.Histogram != nil {
		return float64(m.Histogram.GetSampleCount())
	}
	return m.GetCounter().GetValue()
}
