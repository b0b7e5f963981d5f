package tokenauth

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeKeystone is a Keystone v3 identity API reduced to what auth_token
// uses, written from the API reference: POST /v3/auth/tokens (password
// authentication, 201 with the token in X-Subject-Token), GET
// /v3/auth/tokens (validation: 200, 404 for an unknown, revoked or
// expired token unless allow_expired, 401 when X-Auth-Token is not
// valid, 403 when it holds neither admin nor service), DELETE
// /v3/auth/tokens (revocation). Paths may carry a prefix, so the catalog
// can name distinct endpoints on the one server.
type fakeKeystone struct {
	t   testing.TB
	srv *httptest.Server

	mu          sync.Mutex
	tokens      map[string]*fakeToken
	users       map[string]fakeUser // by name
	auths       int                 // password authentications
	validations int
	paths       []string // path prefixes of validations
	queries     []string // their query strings
	fail        int      // when not 0, every request answers this status
	serviceLife time.Duration
	catalog     []v3Service
	hold        chan struct{} // when set, validations wait for it to close
	now         func() time.Time
}

type fakeUser struct {
	id, password, projectID, projectName string
	roles                                []string
}

type fakeToken struct {
	user    fakeUser
	expires time.Time
	revoked bool
	bind    map[string]any
}

func newFakeKeystone(t testing.TB) *fakeKeystone {
	k := &fakeKeystone{t: t, tokens: map[string]*fakeToken{}, users: map[string]fakeUser{}, serviceLife: time.Hour, now: time.Now}
	k.users["svc"] = fakeUser{id: "svc-id", password: "svc-pass", projectID: "service-id", projectName: "service", roles: []string{"service"}}
	k.users["alice"] = fakeUser{id: "alice-id", password: "alice-pass", projectID: "demo-id", projectName: "demo", roles: []string{"member", "reader"}}
	k.users["bob"] = fakeUser{id: "bob-id", password: "bob-pass", projectID: "demo-id", projectName: "demo", roles: []string{"admin"}}
	k.srv = httptest.NewServer(http.HandlerFunc(k.serve))
	t.Cleanup(k.srv.Close)
	k.catalog = []v3Service{{Type: "identity", Name: "keystone", Endpoints: []v3Endpoint{
		{Interface: "public", Region: "RegionOne", RegionID: "RegionOne", URL: k.srv.URL + "/public/v3/"},
		{Interface: "internal", Region: "RegionOne", RegionID: "RegionOne", URL: k.srv.URL + "/internal/v3/"},
	}}, {Type: "compute", Endpoints: []v3Endpoint{
		{Interface: "public", Region: "RegionOne", RegionID: "RegionOne", URL: "http://nova/v2.1"},
	}}}
	return k
}

// URL is the v3 root, as auth_url names it.
func (k *fakeKeystone) URL() string { return k.srv.URL + "/v3" }

// issue makes a token for user, valid for life.
func (k *fakeKeystone) issue(user string, life time.Duration) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.issueLocked(k.users[user], life)
}

func (k *fakeKeystone) issueLocked(u fakeUser, life time.Duration) string {
	b := make([]byte, 24)
	rand.Read(b)
	tok := "gAAAA" + hex.EncodeToString(b)
	k.tokens[tok] = &fakeToken{user: u, expires: k.now().Add(life)}
	return tok
}

func (k *fakeKeystone) revoke(tok string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.tokens[tok].revoked = true
}

// counts returns the password authentications and validations so far.
func (k *fakeKeystone) counts() (auths, validations int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.auths, k.validations
}

// seen returns the path prefixes and queries of the validations so far.
func (k *fakeKeystone) seen() (paths, queries []string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.paths...), append([]string(nil), k.queries...)
}

func (k *fakeKeystone) addUser(name string, u fakeUser) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.users[name] = u
}

func (k *fakeKeystone) bind(tok string, bind map[string]any) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.tokens[tok].bind = bind
}

// revokeUser revokes every token of the user with id.
func (k *fakeKeystone) revokeUser(id string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, tok := range k.tokens {
		if tok.user.id == id {
			tok.revoked = true
		}
	}
}

func (k *fakeKeystone) setHold(hold chan struct{}) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.hold = hold
}

func (k *fakeKeystone) setClock(now func() time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.now = now
}

func (k *fakeKeystone) setFail(status int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.fail = status
}

func (k *fakeKeystone) serve(w http.ResponseWriter, r *http.Request) {
	prefix, rest, ok := strings.Cut(r.URL.Path, "/v3/")
	if !ok || rest != "auth/tokens" {
		http.NotFound(w, r)
		return
	}
	k.mu.Lock()
	hold := k.hold
	if k.fail != 0 {
		status := k.fail
		k.mu.Unlock()
		http.Error(w, "failing", status)
		return
	}
	k.mu.Unlock()
	switch r.Method {
	case http.MethodPost:
		k.authenticate(w, r)
	case http.MethodGet:
		k.mu.Lock()
		k.validations++
		k.mu.Unlock()
		if hold != nil {
			<-hold
		}
		k.validate(w, r, prefix)
	case http.MethodDelete:
		k.mu.Lock()
		if tok := k.tokens[r.Header.Get("X-Subject-Token")]; tok != nil {
			tok.revoked = true
		}
		k.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}
}

func (k *fakeKeystone) authenticate(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Auth struct {
			Identity struct {
				Methods  []string
				Password struct {
					User struct {
						Name, Password string
						Domain         map[string]string
					}
				}
			}
			Scope struct {
				Project struct {
					Name   string
					Domain map[string]string
				}
			}
		}
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	pw := body.Auth.Identity.Password.User
	k.mu.Lock()
	defer k.mu.Unlock()
	k.auths++
	u, ok := k.users[pw.Name]
	if !ok || u.password != pw.Password || len(pw.Domain) == 0 || body.Auth.Scope.Project.Name != u.projectName || len(body.Auth.Scope.Project.Domain) == 0 {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{"code": 401, "title": "Unauthorized"}})
		return
	}
	tok := k.issueLocked(u, k.serviceLife)
	w.Header().Set("X-Subject-Token", tok)
	writeJSON(w, http.StatusCreated, k.document(k.tokens[tok], true))
}

func (k *fakeKeystone) validate(w http.ResponseWriter, r *http.Request, prefix string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.paths = append(k.paths, prefix)
	k.queries = append(k.queries, r.URL.RawQuery)
	caller := k.tokens[r.Header.Get("X-Auth-Token")]
	if caller == nil || caller.revoked || k.now().After(caller.expires) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{"code": 401}})
		return
	}
	if !hasRole(caller.user.roles, "service") && !hasRole(caller.user.roles, "admin") {
		writeJSON(w, http.StatusForbidden, map[string]any{"error": map[string]any{"code": 403}})
		return
	}
	q := r.URL.Query()
	tok := k.tokens[r.Header.Get("X-Subject-Token")]
	if tok == nil || tok.revoked || k.now().After(tok.expires) && q.Get("allow_expired") != "1" {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{"code": 404, "message": "Could not recognize Fernet token"}})
		return
	}
	_, nocatalog := q["nocatalog"]
	writeJSON(w, http.StatusOK, k.document(tok, !nocatalog))
}

// document is the token as Keystone shows it.
func (k *fakeKeystone) document(tok *fakeToken, catalog bool) map[string]any {
	var roles []map[string]string
	for _, r := range tok.user.roles {
		roles = append(roles, map[string]string{"id": r + "-id", "name": r})
	}
	t := map[string]any{
		"methods":    []string{"password"},
		"user":       map[string]any{"id": tok.user.id, "name": strings.TrimSuffix(tok.user.id, "-id"), "domain": map[string]string{"id": "default", "name": "Default"}},
		"project":    map[string]any{"id": tok.user.projectID, "name": tok.user.projectName, "domain": map[string]string{"id": "default", "name": "Default"}},
		"roles":      roles,
		"expires_at": tok.expires.UTC().Format("2006-01-02T15:04:05.000000Z"),
		"issued_at":  k.now().UTC().Format("2006-01-02T15:04:05.000000Z"),
		"audit_ids":  []string{"x"},
	}
	if tok.bind != nil {
		t["bind"] = tok.bind
	}
	if catalog {
		t["catalog"] = k.catalog
	}
	return map[string]any{"token": t}
}

func hasRole(roles []string, role string) bool {
	for _, r := range roles {
		if r == role {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// authTokenPaste is a pipeline of auth_token, configured for k's svc
// user with opts added, in front of the test app.
func authTokenPaste(k *fakeKeystone, opts ...string) string {
	base := []string{
		"auth_url = " + k.URL(),
		"www_authenticate_uri = http://keystone.example.com:5000",
		"auth_type = password",
		"username = svc",
		"password = svc-pass",
		"user_domain_name = Default",
		"project_name = service",
		"project_domain_name = Default",
		"http_request_max_retries = 0",
	}
	return filterPaste("paste.filter_factory = keystonemiddleware.auth_token:filter_factory", append(base, opts...)...)
}
