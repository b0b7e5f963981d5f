package filters

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/pasteserve/pasteserve/options"
	"golang.org/x/crypto/bcrypt"
)

// BasicAuthOptions are the options of the basic_auth filter, oslo's
// [oslo_middleware] http_basic_auth_user_file.
type BasicAuthOptions struct {
	// UserFile is the htpasswd file of user:bcrypt-hash lines (htpasswd
	// -B), read once, when the filter is made. A relative path is
	// relative to the working directory, as oslo opens it.
	UserFile string `paste:"http_basic_auth_user_file,group=oslo_middleware,doc=the htpasswd file of bcrypt hashes (htpasswd -B)"`
}

// DefaultBasicAuthOptions are oslo's: /etc/htpasswd.
func DefaultBasicAuthOptions() BasicAuthOptions {
	return BasicAuthOptions{UserFile: "/etc/htpasswd"}
}

// NewBasicAuth returns oslo.middleware's BasicAuthMiddleware
// (egg:oslo.middleware#basic_auth): HTTP Basic authentication against an
// htpasswd file of bcrypt hashes (htpasswd -B; $2y$, $2a$ and $2b$), for
// services such as ironic run without Keystone. The file is read and
// checked here, when the pipeline is built: a file that cannot be read,
// or any line of it that is not user:bcrypt-hash, is an error about
// http_basic_auth_user_file (every bad line at once). From a paste file,
// the file name is read from the section and then from the
// [oslo_middleware] group.
//
// On success the Authorization header is removed and X-User and
// X-User-Name carry the user name; any failure is a 401 with oslo's JSON
// body {"error": {"message": ..., "code": 401}} and, as in oslo, no
// WWW-Authenticate header.
//
// Every check costs a bcrypt comparison, by design (milliseconds at
// htpasswd's default cost): put it behind sizelimit and rate limits, and
// keep the cost in the file modest.
func NewBasicAuth(o BasicAuthOptions) (func(http.Handler) http.Handler, error) {
	users, err := readHtpasswd(o.UserFile)
	if err != nil {
		return nil, err
	}
	dummy := dummyHash(usualCost(users))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			user, msg := authenticate(users, dummy, r.Header.Get("Authorization"))
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

// readHtpasswd reads user:hash lines; every problem is an error about
// http_basic_auth_user_file (errors.Join of them all).
func readHtpasswd(path string) (map[string][]byte, error) {
	const key = "http_basic_auth_user_file"
	f, err := os.Open(path)
	if err != nil {
		return nil, options.Errorf(key, "cannot read the htpasswd file: %v", err)
	}
	defer f.Close()
	var errs []error
	users := map[string][]byte{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, hash, ok := strings.Cut(line, ":")
		if !ok || user == "" {
			errs = append(errs, options.Errorf(key, "%s line %d is not user:hash", path, n))
			continue
		}
		if _, err := bcrypt.Cost([]byte(hash)); err != nil || !(strings.HasPrefix(hash, "$2y$") || strings.HasPrefix(hash, "$2a$") || strings.HasPrefix(hash, "$2b$")) {
			errs = append(errs, options.Errorf(key, "%s line %d: the hash for %q is not bcrypt (make it with htpasswd -B)", path, n, user))
			continue
		}
		users[user] = []byte(hash)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, options.Errorf(key, "reading %s: %v", path, err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return users, nil
}

// authenticate checks an Authorization header and returns the user, or
// the reason it fails. An unknown user's password is compared with dummy.
func authenticate(users map[string][]byte, dummy []byte, header string) (user, failure string) {
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
		// Compare anyway, at the file's cost, so an unknown user takes
		// as long as a wrong password and user names cannot be probed by
		// timing.
		hash = dummy
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || !known {
		return "", "Invalid username or password"
	}
	return user, ""
}

// usualCost returns the bcrypt cost most of the users' hashes have (the
// higher one of a tie), or bcrypt.DefaultCost for a file without users.
// An unknown user's password is compared with a hash of this cost: a
// bcrypt comparison takes 2^cost rounds, so a dummy of another cost
// would tell unknown names from known ones by the time the 401 takes
// (htpasswd -B makes cost 5, where a dummy at the default 10 took 32
// times as long).
func usualCost(users map[string][]byte) int {
	count := map[int]int{}
	for _, hash := range users {
		if c, err := bcrypt.Cost(hash); err == nil { // readHtpasswd refused the others
			count[c]++
		}
	}
	best, n := bcrypt.DefaultCost, 0
	for c, k := range count {
		if k > n || k == n && c > best {
			best, n = c, k
		}
	}
	return best
}

// dummyHashes are bcrypt hashes, at the costs htpasswd -B -C and the
// usual libraries make, of random passwords that were thrown away. They
// are constants because making one at start-up costs as much as a
// login (the default cost's took 50 to 75 ms of every start, in the
// package's init, even when no paste file used basic_auth). Being in
// the source does them no harm: their passwords were never kept, and a
// comparison with a dummy fails whatever it finds (see authenticate).
// An array, not a map, so that it is data in the binary, with no code
// at init.
var dummyHashes = [...]string{
	4:  "$2a$04$OZpbypvLfBOqNj3XnB0DlOsbBovv6LH0mhvimgmoFMassQLuGLeC6",
	5:  "$2a$05$H5yTVO6.0wvovJODWuv8ve6sEUoJI3z22.2wfWfr14EoMQFhp4j82",
	6:  "$2a$06$B4QDiW8xFvmBGWBZpwtyTeEH4wYPi.CDKYPPjNp61aCwEGSNtQTTS",
	7:  "$2a$07$X5Ntyi3t9bvIuzXYvcFAY.Q9Q13H308b9uAZuDRt2u56H5HKjeQJ6",
	8:  "$2a$08$e0vm8.w1cMMkl6gjQcxMnOOrAOm4aVGtxYVd7EmEU3zsetNSJVNGi",
	9:  "$2a$09$PMN0XanGHr4EH3QZxIB/vuvEc8Erv2LJz/x7Mg6u98wEN7IyYYdKe",
	10: "$2a$10$OHKWoEGNan/M1iUGJ3lCsO5REVyRlpdx5Myuz5sx/fje7u62.RGMi",
	11: "$2a$11$GrpuDxxezUSYbBk3NVy.r.1PSx4Eb.lOP7ztFjh.nMDeeBmRKA/W2",
	12: "$2a$12$NF.d0e0PZge8hU5oqXJ8/OY393ine9br62GBi5sDpqwjgGSER6mVO",
	13: "$2a$13$38ovTZdSDcqxemNvSZAzC.L0HL1fdkssmRrRYxpvzqbxSusRC24dm",
	14: "$2a$14$maC9l1iUbe.ckp.uh7OEmepOipmIdBPAmBZTxPMccRh7efRvYq5DC",
}

// madeDummies holds the dummy hashes of costs outside dummyHashes, made
// once per process, at the first build that needs one: such a cost is
// a deliberate choice of seconds per login, and the build pays one.
var madeDummies sync.Map // int -> func() []byte

// dummyHash returns a bcrypt hash of cost, of a password no one knows.
func dummyHash(cost int) []byte {
	if cost >= 0 && cost < len(dummyHashes) && dummyHashes[cost] != "" {
		return []byte(dummyHashes[cost])
	}
	f, _ := madeDummies.LoadOrStore(cost, sync.OnceValue(func() []byte { return makeDummy(cost) }))
	return f.(func() []byte)()
}

// makeDummy makes a bcrypt hash of cost of a random password.
func makeDummy(cost int) []byte {
	pw := make([]byte, 32)
	rand.Read(pw)
	h, err := bcrypt.GenerateFromPassword(pw, cost)
	if err != nil {
		// Not a cost bcrypt takes; readHtpasswd refused such a hash,
		// so this is the default cost's.
		return []byte(dummyHashes[bcrypt.DefaultCost])
	}
	return h
}

func writeBasicAuthError(w http.ResponseWriter, message string) {
	body, _ := json.Marshal(map[string]any{"error": map[string]any{"message": message, "code": 401}})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusUnauthorized)
	w.Write(body)
}
