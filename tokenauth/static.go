package tokenauth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/pasteserve/pasteserve/options"
)

// StaticTokenOptions are the options of static_token: the token file,
// and those every token filter has (docs/auth.md lists them).
type StaticTokenOptions struct {
	TokenOptions

	// TokenFile is the JSON file of tokens and the identities they stand
	// for: {"<token>" or "sha256:<hex of its SHA-256>": {claims}, ...},
	// in jwt_token's claim names. It is used as written (a relative
	// path is the process's, not the paste file's).
	TokenFile string `paste:"token_file,required,doc=the JSON file of tokens and the identities they stand for"`
}

// DefaultStaticTokenOptions are DefaultTokenOptions with no file.
func DefaultStaticTokenOptions() StaticTokenOptions {
	return StaticTokenOptions{TokenOptions: DefaultTokenOptions()}
}

// NewStaticToken returns the static_token filter.
//
// static_token is auth_token with a fixed list of tokens, for tests,
// development and small setups without Keystone: token_file maps each
// token to the identity it stands for, in the claim names jwt_token uses
// (factsFromClaims), so the same X-User-Id, X-Project-Id, X-Roles...
// headers and Identity follow. A file may hold "sha256:<hex>" of a token
// instead of the token, so it need not hold secrets. The file is read
// by NewStaticToken, when the pipeline is built (a reload rereads it).
// The request flow is auth_token's (flow.go); the token is read from
// X-Auth-Token or Authorization: Bearer.
func NewStaticToken(o StaticTokenOptions) (func(http.Handler) http.Handler, error) {
	if o.TokenFile == "" {
		return nil, requiredError("token_file", "the JSON file of tokens and the identities they stand for")
	}
	v, err := readTokenFile("token_file", o.TokenFile)
	if err != nil {
		return nil, err
	}
	a := &tokenAuth{name: "static_token", bearer: true, now: time.Now}
	a.setOptions(o.TokenOptions, "Bearer")
	a.verifier = v
	return a.middleware, nil
}

// staticVerifier maps the SHA-256 of each token to its identity; looking
// tokens up by hash keeps the time a look-up takes independent of how
// much of a guess matches a real token.
type staticVerifier map[[sha256.Size]byte]*tokenIdentity

func (v staticVerifier) verify(_ context.Context, token string, _ bool, _ time.Time) (*tokenIdentity, error) {
	if ti := v[tokenSum(token)]; ti != nil {
		return ti, nil
	}
	return nil, fmt.Errorf("%w: not in token_file", errInvalidToken)
}

// readTokenFile reads {"<token>" or "sha256:<hex>": {claims}, ...}, in
// file order, so that errors name entries by their place in the file
// (never by their token, which is a secret).
func readTokenFile(key, path string) (staticVerifier, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, options.Errorf(key, "%v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, options.Errorf(key, "%s is not a JSON object of tokens", path)
	}
	v := staticVerifier{}
	var errs []error
	for n := 1; dec.More(); n++ {
		t, err := dec.Token()
		var claims map[string]any
		if err == nil {
			err = dec.Decode(&claims)
		}
		if err != nil {
			return nil, errors.Join(append(errs, options.Errorf(key, "%s: entry %d: %v", path, n, err))...)
		}
		where := fmt.Sprintf("%s: entry %d", path, n)
		sum, err := tokenFileKey(t.(string))
		if err != nil {
			errs = append(errs, options.Errorf(key, "%s: %v", where, err))
			continue
		}
		f, err := factsFromClaims(claims)
		if err != nil {
			errs = append(errs, options.Errorf(key, "%s: %v", where, err))
			continue
		}
		if v[sum] != nil {
			errs = append(errs, options.Errorf(key, "%s: the same token as an earlier entry", where))
		}
		v[sum] = newTokenIdentity(f)
	}
	if len(v) == 0 {
		errs = append(errs, options.Errorf(key, "%s lists no tokens", path))
	}
	return v, errors.Join(errs...)
}

// tokenFileKey is the hash a token_file key stands for.
func tokenFileKey(name string) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	if h, ok := strings.CutPrefix(name, "sha256:"); ok {
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != sha256.Size {
			return sum, fmt.Errorf("sha256: must be followed by 64 hex digits")
		}
		copy(sum[:], b)
		return sum, nil
	}
	if name == "" {
		return sum, fmt.Errorf("an empty token")
	}
	return sha256.Sum256([]byte(name)), nil
}
