package tokenauth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const testSecret = "0123456789abcdef0123456789abcdef-test-secret"

// writeTemp writes content to name in a temporary directory.
func writeTemp(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func sign(t testing.TB, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func aliceClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"sub": "alice-id", "preferred_username": "alice", "user_domain_id": "default", "user_domain_name": "Default",
		"project_id": "demo-id", "project_name": "demo", "project_domain_id": "default", "project_domain_name": "Default",
		"roles": []string{"member", "reader"}, "exp": time.Now().Add(time.Hour).Unix(),
	}
}

func jwtPaste(opts ...string) string {
	return authPaste(filterPaste("use = egg:pasteserve#jwt_token", opts...))
}

func TestJWTHS256(t *testing.T) {
	secret := writeTemp(t, "secret", testSecret+"\n")
	h := mustBuild(t, jwtPaste("secret_file = "+secret))
	tok := sign(t, jwt.SigningMethodHS256, []byte(testSecret), "", aliceClaims())

	for name, headers := range map[string][]string{
		"X-Auth-Token":  {"X-Auth-Token", tok, "X-Roles", "admin"},
		"Bearer":        {"Authorization", "Bearer " + tok, "X-User-Id", "evil"},
		"X-Storage-Tok": {"X-Storage-Token", tok},
	} {
		rec := get(h, "/", headers...)
		body := rec.Body.String()
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", name, rec.Code, body)
		}
		for hdr, v := range map[string]string{
			"X-Identity-Status": "Confirmed", "X-User-Id": "alice-id", "X-User-Name": "alice", "X-User-Domain-Id": "default",
			"X-User-Domain-Name": "Default", "X-Project-Id": "demo-id", "X-Project-Name": "demo", "X-Project-Domain-Id": "default",
			"X-Project-Domain-Name": "Default", "X-Roles": "member,reader", "X-Is-Admin-Project": "True", "X-Tenant-Id": "demo-id",
		} {
			if got := headerLine(body, hdr); got != v {
				t.Errorf("%s: %s = %q, want %q", name, hdr, got, v)
			}
		}
		if !strings.HasPrefix(line(body, "id:user"), "alice-id/alice project=demo-id/demo roles=member,reader admin=false status=Confirmed token=true") {
			t.Errorf("%s: identity %s", name, line(body, "id:user"))
		}
	}

	bad := map[string]string{
		"wrong secret":   sign(t, jwt.SigningMethodHS256, []byte(strings.Repeat("x", 40)), "", aliceClaims()),
		"expired":        sign(t, jwt.SigningMethodHS256, []byte(testSecret), "", withClaim(aliceClaims(), "exp", time.Now().Add(-time.Minute).Unix())),
		"no exp":         sign(t, jwt.SigningMethodHS256, []byte(testSecret), "", withClaim(aliceClaims(), "exp", nil)),
		"HS384":          sign(t, jwt.SigningMethodHS384, []byte(testSecret), "", aliceClaims()),
		"none":           sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", aliceClaims()),
		"no user":        sign(t, jwt.SigningMethodHS256, []byte(testSecret), "", withClaim(aliceClaims(), "sub", nil)),
		"roles a number": sign(t, jwt.SigningMethodHS256, []byte(testSecret), "", withClaim(aliceClaims(), "roles", 7)),
		"sub a number":   sign(t, jwt.SigningMethodHS256, []byte(testSecret), "", withClaim(aliceClaims(), "sub", 7)),
		"not a JWT":      "gAAAAfernet",
	}
	for name, tok := range bad {
		rec := get(h, "/", "X-Auth-Token", tok)
		if rec.Code != 401 || rec.Header().Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("%s: %d %v", name, rec.Code, rec.Header())
		}
	}
}

func withClaim(c jwt.MapClaims, k string, v any) jwt.MapClaims {
	if v == nil {
		delete(c, k)
	} else {
		c[k] = v
	}
	return c
}

func TestJWTClaimsOptions(t *testing.T) {
	secret := writeTemp(t, "secret", testSecret)
	h := mustBuild(t, jwtPaste("secret_file = "+secret, "issuer = https://idp.example.com", "audience = nova, compute",
		"require_exp = false", "www_authenticate_uri = https://keystone.example.com", "leeway = 60"))
	good := withClaim(withClaim(aliceClaims(), "iss", "https://idp.example.com"), "aud", "compute")
	cases := map[string]struct {
		claims jwt.MapClaims
		code   int
	}{
		"good":            {good, 200},
		"no exp":          {withClaim(withClaim(withClaim(aliceClaims(), "iss", "https://idp.example.com"), "aud", "nova"), "exp", nil), 200},
		"within leeway":   {withClaim(withClaim(withClaim(aliceClaims(), "iss", "https://idp.example.com"), "aud", "nova"), "exp", time.Now().Add(-30*time.Second).Unix()), 200},
		"beyond leeway":   {withClaim(withClaim(withClaim(aliceClaims(), "iss", "https://idp.example.com"), "aud", "nova"), "exp", time.Now().Add(-2*time.Minute).Unix()), 401},
		"other issuer":    {withClaim(withClaim(aliceClaims(), "iss", "https://evil"), "aud", "nova"), 401},
		"other audience":  {withClaim(withClaim(aliceClaims(), "iss", "https://idp.example.com"), "aud", "glance"), 401},
		"no audience":     {withClaim(aliceClaims(), "iss", "https://idp.example.com"), 401},
		"roles as string": {withClaim(withClaim(withClaim(aliceClaims(), "iss", "https://idp.example.com"), "aud", "nova"), "roles", "admin, member"), 200},
	}
	for name, c := range cases {
		rec := get(h, "/", "X-Auth-Token", sign(t, jwt.SigningMethodHS256, []byte(testSecret), "", c.claims))
		if rec.Code != c.code {
			t.Errorf("%s: %d, want %d", name, rec.Code, c.code)
		}
		if c.code == 401 && rec.Header().Get("WWW-Authenticate") != `Keystone uri="https://keystone.example.com"` {
			t.Errorf("%s: WWW-Authenticate %q", name, rec.Header().Get("WWW-Authenticate"))
		}
	}
	body := get(h, "/", "X-Auth-Token", sign(t, jwt.SigningMethodHS256, []byte(testSecret), "",
		withClaim(withClaim(good, "roles", "admin member"), "is_admin_project", false))).Body.String()
	if headerLine(body, "X-Roles") != "admin,member" || headerLine(body, "X-Is-Admin-Project") != "False" || !strings.Contains(body, "admin=true") {
		t.Errorf("roles string:\n%s", body)
	}
	// Domain- and system-scoped tokens; user_id wins over sub.
	body = get(h, "/", "X-Auth-Token", sign(t, jwt.SigningMethodHS256, []byte(testSecret), "", jwt.MapClaims{
		"iss": "https://idp.example.com", "aud": "nova", "sub": "s", "user_id": "u", "user_name": "n", "domain_id": "d", "domain_name": "dn", "system_scope": "all",
	})).Body.String()
	for hdr, v := range map[string]string{"X-User-Id": "u", "X-User-Name": "n", "X-Domain-Id": "d", "X-Domain-Name": "dn", "Openstack-System-Scope": "all", "X-Project-Id": "<none>"} {
		if got := headerLine(body, hdr); got != v {
			t.Errorf("%s = %q, want %q", hdr, got, v)
		}
	}
}

// jwksKey is one JWK, public part only.
func jwksKey(t testing.TB, kid string, pub any) map[string]string {
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return map[string]string{"kty": "RSA", "kid": kid, "n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}
	case *ecdsa.PublicKey:
		raw, _ := k.Bytes()
		size := (k.Curve.Params().BitSize + 7) / 8
		return map[string]string{"kty": "EC", "kid": kid, "crv": k.Curve.Params().Name, "x": b64(raw[1 : 1+size]), "y": b64(raw[1+size:])}
	case ed25519.PublicKey:
		return map[string]string{"kty": "OKP", "kid": kid, "crv": "Ed25519", "x": b64(k)}
	}
	t.Fatalf("key %T", pub)
	return nil
}

func writeJWKS(t testing.TB, keys ...map[string]string) string {
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return writeTemp(t, "jwks.json", string(b))
}

func TestJWTJWKS(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	edPub, edKey, _ := ed25519.GenerateKey(rand.Reader)
	otherEC, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwks := writeJWKS(t, jwksKey(t, "rsa1", &rsaKey.PublicKey), jwksKey(t, "ec1", &ecKey.PublicKey), jwksKey(t, "ed1", edPub),
		map[string]string{"kty": "RSA", "use": "enc", "n": "AQAB", "e": "AQAB"})
	h := mustBuild(t, jwtPaste("jwks_file = "+jwks))
	for name, c := range map[string]struct {
		tok  string
		code int
	}{
		"RS256":                {sign(t, jwt.SigningMethodRS256, rsaKey, "rsa1", aliceClaims()), 200},
		"RS256 without kid":    {sign(t, jwt.SigningMethodRS256, rsaKey, "", aliceClaims()), 200},
		"ES256":                {sign(t, jwt.SigningMethodES256, ecKey, "ec1", aliceClaims()), 200},
		"EdDSA":                {sign(t, jwt.SigningMethodEdDSA, edKey, "ed1", aliceClaims()), 200},
		"unknown kid":          {sign(t, jwt.SigningMethodRS256, rsaKey, "rsa2", aliceClaims()), 401},
		"kid of another key":   {sign(t, jwt.SigningMethodES256, ecKey, "rsa1", aliceClaims()), 401},
		"unknown EC key":       {sign(t, jwt.SigningMethodES256, otherEC, "ec1", aliceClaims()), 401},
		"RS384 with RS256 key": {sign(t, jwt.SigningMethodRS384, rsaKey, "rsa1", aliceClaims()), 401},
		// The RSA public key used as an HMAC secret: the classic
		// algorithm confusion.
		"HS256 with the public key": {sign(t, jwt.SigningMethodHS256, rsaKey.PublicKey.N.Bytes(), "rsa1", aliceClaims()), 401},
	} {
		rec := get(h, "/", "Authorization", "Bearer "+c.tok)
		if rec.Code != c.code {
			t.Errorf("%s: %d, want %d", name, rec.Code, c.code)
		}
		if c.code == 200 && headerLine(rec.Body.String(), "X-User-Id") != "alice-id" {
			t.Errorf("%s:\n%s", name, rec.Body)
		}
	}
}

func TestJWTOptionErrors(t *testing.T) {
	short := writeTemp(t, "short", "tooshort")
	secret := writeTemp(t, "secret", testSecret)
	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	for _, c := range []struct {
		opts      []string
		pos, want string
	}{
		{nil, "3:1", "jwks_file: is required (or secret_file)"},
		{[]string{"secret_file = " + secret, "jwks_file = " + secret}, "6:1", "not both"},
		{[]string{"secret_file = " + short}, "5:1", "holds 8 bytes; an HS256 secret needs at least 32"},
		{[]string{"secret_file = /nonexistent"}, "5:1", "no such file"},
		{[]string{"jwks_file = " + secret}, "5:1", "is not a JWKS document"},
		{[]string{"jwks_file = " + writeJWKS(t)}, "5:1", "holds no signature keys"},
		{[]string{"jwks_file = " + writeJWKS(t, map[string]string{"kty": "RSA", "use": "enc"})}, "5:1", "holds no signature keys"},
		{[]string{"jwks_file = " + writeJWKS(t, jwksKey(t, "weak", &weak.PublicKey))}, "5:1", `key 0 (kid "weak"): an RSA key of 1024 bits is too weak`},
		{[]string{"jwks_file = " + writeJWKS(t, map[string]string{"kty": "oct", "k": "c2VjcmV0"})}, "5:1", "put it in secret_file"},
		{[]string{"jwks_file = " + writeJWKS(t, map[string]string{"kty": "EC", "crv": "P-256", "x": "AQ", "y": "AQ"})}, "5:1", "bad EC point"},
		{[]string{"jwks_file = " + writeJWKS(t, map[string]string{"kty": "EC", "crv": "secp256k1", "x": "AQ", "y": "AQ"})}, "5:1", "unsupported curve"},
		{[]string{"secret_file = " + secret, "leeway = -5"}, "6:1", "is negative"},
		{[]string{"secret_file = " + secret, "delay_auth_decision = sometimes"}, "6:1", "is not a boolean"},
	} {
		wantBuildError(t, jwtPaste(c.opts...), c.pos, c.want)
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k := jwksKey(t, "x", &ecKey.PublicKey)
	k["alg"] = "RS256"
	wantBuildError(t, jwtPaste("jwks_file = "+writeJWKS(t, k)), "5:1", `alg "RS256" does not fit the key (use ES256)`)
}

func TestJWTDelayAuthDecisionAndServiceToken(t *testing.T) {
	secret := writeTemp(t, "secret", testSecret)
	h := mustBuild(t, jwtPaste("secret_file = "+secret, "delay_auth_decision = true"))
	body := get(h, "/", "X-Auth-Token", "nope", "X-User-Id", "evil").Body.String()
	if headerLine(body, "X-Identity-Status") != "Invalid" || headerLine(body, "X-User-Id") != "<none>" {
		t.Errorf("delayed:\n%s", body)
	}
	svc := sign(t, jwt.SigningMethodHS256, []byte(testSecret), "", jwt.MapClaims{"sub": "nova-id", "roles": []string{"service"}, "exp": time.Now().Add(time.Hour).Unix()})
	user := sign(t, jwt.SigningMethodHS256, []byte(testSecret), "", aliceClaims())
	body = get(h, "/", "X-Auth-Token", user, "X-Service-Token", svc).Body.String()
	if headerLine(body, "X-Service-Identity-Status") != "Confirmed" || headerLine(body, "X-Service-User-Id") != "nova-id" || headerLine(body, "X-Service-Roles") != "service" {
		t.Errorf("service token:\n%s", body)
	}
}
