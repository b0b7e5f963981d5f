package filters

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/pasteserve/pasteserve/factory"
	"golang.org/x/crypto/bcrypt"
)

// BasicAuth is the basic_auth factory. Option: http_basic_auth_user_file
// (default /etc/htpasswd).
//
// basic_auth is oslo.middleware's BasicAuthMiddleware: HTTP Basic
// authentication against an htpasswd file of bcrypt hashes (htpasswd -B;
// $2y$, $2a$ and $2b$), for services such as ironic run without
// Keystone. The file is read and checked when the pipeline is built. On
// success the Authorization header is removed and X-User and X-User-Name
// carry the user name; any failure is a 401 with oslo's JSON body
// {"error": {"message": ..., "code": 401}} and, as in oslo, no
// WWW-Authenticate header.
//
// Every check costs a bcrypt comparison, by design (milliseconds at
// htpasswd's default cost): put it behind sizelimit and rate limits, and
// keep the cost in the file modest.
func BasicAuth(cfg *factory.Config) (factory.Middleware, error) {
	cfg = cfg.InGroup("oslo_middleware")
	const key = "http_basic_auth_user_file"
	users := readHtpasswd(cfg, key, cfg.String(key, "/etc/htpasswd"))
	if err := cfg.Err(); err != nil {
		return nil, err
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			user, msg := authenticate(users, r.Header.Get("Authorization"))
			if msg != "" {
				writeBasicAuthError(w, msg)
				return
			}
			r2 := r.Clone(r.Context())
			r2.Header.Del("Authorization")
			r2.Header.Set("X-User", user)
			r2.Header.Set("X-User-Name", user)
			next.ServeHTTP(w, r2)
		})
	}, nil
}

// readHtpasswd reads user:hash lines, reporting a bad file at key.
func readHtpasswd(cfg *factory.Config, key, path string) map[string][]byte {
	f, err := os.Open(path)
	if err != nil {
		cfg.Errorf(key, "cannot read the htpasswd file: %v", err)
		return nil
	}
	defer f.Close()
	users := map[string][]byte{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, hash, ok := strings.Cut(line, ":")
		if !ok || user == "" {
			cfg.Errorf(key, "%s line %d is not user:hash", path, n)
			continue
		}
		if _, err := bcrypt.Cost([]byte(hash)); err != nil || !(strings.HasPrefix(hash, "$2y$") || strings.HasPrefix(hash, "$2a$") || strings.HasPrefix(hash, "$2b$")) {
			cfg.Errorf(key, "%s line %d: the hash for %q is not bcrypt (make it with htpasswd -B)", path, n, user)
			continue
		}
		users[user] = []byte(hash)
	}
	if err := sc.Err(); err != nil {
		cfg.Errorf(key, "reading %s: %v", path, err)
	}
	return users
}

// authenticate checks an Authorization header and returns the user, or
// the reason it fails.
func authenticate(users map[string][]byte, header string) (user, failure string) {
	if header == "" {
		return "", "The request you have made requires authentication."
	}
	scheme, cred, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return "", "Unsupported authorization type"
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return "", "Could not decode authorization token"
	}
	user, password, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "Could not decode authorization token"
	}
	hash, known := users[user]
	if !known {
		// Compare anyway, so an unknown user takes as long as a wrong
		// password and user names cannot be probed by timing.
		hash = dummyHash
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || !known {
		return "", "Invalid username or password"
	}
	return user, ""
}

// dummyHash is a bcrypt hash of nothing anyone sends, at the default cost.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("pasteserve-no-such-user"), bcrypt.DefaultCost)

func writeBasicAuthError(w http.ResponseWriter, message string) {
	body, _ := json.Marshal(map[string]any{"error": map[string]any{"message": message, "code": 401}})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusUnauthorized)
	w.Write(body)
}
