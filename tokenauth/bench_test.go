package tokenauth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// benchAuth measures a token filter in front of the bench app for a
// request with a known (cached) token and the headers a typical API
// client sends; the first request, which validates the token, is not
// measured. Subtract filters' BenchmarkAppAlone for the filter's own cost.
func benchAuth(b *testing.B, src string, headers ...string) {
	h := mustBuild(b, strings.NewReplacer("filters-test-app", "filters-bench-app", "authtoken-test-app", "filters-bench-app").Replace(src))
	r := httptest.NewRequest("GET", "/v2.1/servers", nil)
	for k, v := range map[string]string{"User-Agent": "python-novaclient", "Accept": "application/json",
		"Content-Type": "application/json", "Openstack-Api-Version": "compute 2.96", "X-Openstack-Request-Id": "req-1"} {
		r.Header.Set(k, v)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := &discardWriter{H: http.Header{}}
	h.ServeHTTP(w, r)
	if w.H.Get("Www-Authenticate") != "" && !strings.Contains(src, "delay_auth_decision") {
		b.Fatalf("the warm-up request was rejected")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.H)
		h.ServeHTTP(w, r)
	}
}

func BenchmarkAuthTokenCached(b *testing.B) {
	k := newFakeKeystone(b)
	benchAuth(b, authTokenPaste(k), "X-Auth-Token", k.issue("alice", time.Hour))
}

func BenchmarkAuthTokenCachedWithServiceToken(b *testing.B) {
	k := newFakeKeystone(b)
	benchAuth(b, authTokenPaste(k), "X-Auth-Token", k.issue("alice", time.Hour), "X-Service-Token", k.issue("svc", time.Hour))
}

func BenchmarkAuthTokenInvalidCached(b *testing.B) {
	k := newFakeKeystone(b)
	benchAuth(b, authTokenPaste(k, "delay_auth_decision = true"), "X-Auth-Token", "gAAAAnot-a-token")
}

func BenchmarkJWTCached(b *testing.B) {
	secret := writeTemp(b, "secret", testSecret)
	benchAuth(b, jwtPaste("secret_file = "+secret), "X-Auth-Token", sign(b, jwt.SigningMethodHS256, []byte(testSecret), "", aliceClaims()))
}

func BenchmarkJWTUncachedHS256(b *testing.B) {
	secret := writeTemp(b, "secret", testSecret)
	benchAuth(b, jwtPaste("secret_file = "+secret, "token_cache_time = -1"), "X-Auth-Token", sign(b, jwt.SigningMethodHS256, []byte(testSecret), "", aliceClaims()))
}

func BenchmarkStaticToken(b *testing.B) {
	file := writeTemp(b, "tokens.json", `{"dev-admin-token-0123456789": {"sub": "admin-id", "project_id": "p", "roles": ["admin"]}}`)
	benchAuth(b, staticPaste("token_file = "+file), "X-Auth-Token", "dev-admin-token-0123456789")
}
