package tokenauth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"

	"github.com/pasteserve/pasteserve/options"
)

// jwtKey is one key jwt_token verifies signatures with, pinned to one
// algorithm: a token signed with another algorithm is not checked with
// it, which closes the algorithm-confusion holes (an RSA public key used
// as an HMAC secret, "none").
type jwtKey struct {
	kid string // "" matches any token
	alg string // RS256, ES256, HS256...
	key any    // *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey or []byte
}

// minHMACSecret is the shortest HS256 secret accepted: as many bytes as
// the hash, as RFC 7518 section 3.2 requires.
const minHMACSecret = 32

// readSecretFile reads an HS256 secret: the file's bytes, without a
// final newline, so that "echo secret > file" works.
func readSecretFile(key, path string) ([]jwtKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, options.Errorf(key, "%v", err)
	}
	b = []byte(strings.TrimRight(string(b), "\r\n"))
	if len(b) < minHMACSecret {
		return nil, options.Errorf(key, "%s holds %d bytes; an HS256 secret needs at least %d (e.g. head -c 32 /dev/urandom | base64 > %s)", path, len(b), minHMACSecret, path)
	}
	return []jwtKey{{alg: "HS256", key: b}}, nil
}

// jwk is a JSON Web Key (RFC 7517) as far as public signature keys go.
type jwk struct {
	Kty, Kid, Alg, Use, Crv string
	N, E, X, Y              string
}

// readJWKSFile reads the public keys of a JWKS file ({"keys": [...]}):
// RSA keys of 2048 bits or more (RS256 unless the key's alg says RS384,
// RS512 or PS*), EC keys on P-256, P-384 or P-521 (ES256, ES384, ES512)
// and Ed25519 keys (EdDSA). Keys for encryption (use "enc") are skipped.
func readJWKSFile(key, path string) ([]jwtKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, options.Errorf(key, "%v", err)
	}
	var set struct{ Keys []jwk }
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, options.Errorf(key, "%s is not a JWKS document: %v", path, err)
	}
	var keys []jwtKey
	var errs []error
	for i, k := range set.Keys {
		if k.Use == "enc" {
			continue
		}
		jk, err := k.publicKey()
		if err != nil {
			errs = append(errs, options.Errorf(key, "%s: key %d (kid %q): %v", path, i, k.Kid, err))
			continue
		}
		keys = append(keys, jk)
	}
	if len(keys) == 0 && len(errs) == 0 {
		errs = append(errs, options.Errorf(key, "%s holds no signature keys", path))
	}
	return keys, errors.Join(errs...)
}

func (k jwk) publicKey() (jwtKey, error) {
	out := jwtKey{kid: k.Kid, alg: k.Alg}
	switch k.Kty {
	case "RSA":
		n, e := b64Int(k.N), b64Int(k.E)
		if n == nil || e == nil || !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 {
			return out, fmt.Errorf("bad RSA n or e")
		}
		if n.BitLen() < 2048 {
			return out, fmt.Errorf("an RSA key of %d bits is too weak (2048 at least)", n.BitLen())
		}
		out.key = &rsa.PublicKey{N: n, E: int(e.Int64())}
		return out, defaultAlg(&out, "RS256", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
	case "EC":
		curves := map[string]struct {
			curve elliptic.Curve
			alg   string
		}{"P-256": {elliptic.P256(), "ES256"}, "P-384": {elliptic.P384(), "ES384"}, "P-521": {elliptic.P521(), "ES512"}}
		c, ok := curves[k.Crv]
		if !ok {
			return out, fmt.Errorf("unsupported curve %q (P-256, P-384, P-521)", k.Crv)
		}
		size := (c.curve.Params().BitSize + 7) / 8
		x, y := b64Bytes(k.X), b64Bytes(k.Y)
		if x == nil || y == nil || len(x) > size || len(y) > size {
			return out, fmt.Errorf("bad EC x or y")
		}
		point := make([]byte, 1+2*size)
		point[0] = 4
		copy(point[1+size-len(x):], x)
		copy(point[1+2*size-len(y):], y)
		pub, err := ecdsa.ParseUncompressedPublicKey(c.curve, point)
		if err != nil {
			return out, fmt.Errorf("bad EC point: %v", err)
		}
		out.key = pub
		return out, defaultAlg(&out, c.alg, c.alg)
	case "OKP":
		x := b64Bytes(k.X)
		if k.Crv != "Ed25519" || len(x) != ed25519.PublicKeySize {
			return out, fmt.Errorf("unsupported OKP key (Ed25519 only)")
		}
		out.key = ed25519.PublicKey(x)
		return out, defaultAlg(&out, "EdDSA", "EdDSA")
	case "oct":
		return out, fmt.Errorf("a secret key does not belong in a JWKS file; put it in secret_file")
	}
	return out, fmt.Errorf("unsupported key type %q", k.Kty)
}

// defaultAlg sets k's algorithm to def when the key names none, and
// checks that it is one of allowed.
func defaultAlg(k *jwtKey, def string, allowed ...string) error {
	if k.alg == "" {
		k.alg = def
	}
	for _, a := range allowed {
		if k.alg == a {
			return nil
		}
	}
	return fmt.Errorf("alg %q does not fit the key (use %s)", k.alg, strings.Join(allowed, ", "))
}

// b64Bytes decodes base64url, with or without padding; nil when bad.
func b64Bytes(s string) []byte {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(b) == 0 {
		return nil
	}
	return b
}

func b64Int(s string) *big.Int {
	b := b64Bytes(s)
	if b == nil {
		return nil
	}
	return new(big.Int).SetBytes(b)
}
