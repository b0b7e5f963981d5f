package filters

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"
)

func htpasswd(t testing.TB, lines ...string) string {
	path := filepath.Join(t.TempDir(), "htpasswd")
	os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
	return path
}

func bcryptHash(t testing.TB, password, prefix string) string {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return prefix + string(h[4:])
}

func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

func TestBasicAuth(t *testing.T) {
	file := htpasswd(t, "# users", "alice:"+bcryptHash(t, "wonder", "$2y$"), "bob:"+bcryptHash(t, "builder", "$2b$"))
	h := mustBuild(t, filterPaste("use = egg:oslo.middleware#basic_auth", "http_basic_auth_user_file = "+file))
	for _, tc := range []struct {
		auth string
		code int
	}{
		{basic("alice", "wonder"), 200},
		{basic("bob", "builder"), 200},
		{basic("alice", "wrong"), 401},
		{basic("carol", "wonder"), 401},
		{"", 401},
		{"Bearer xyz", 401},
		{"Basic !!!", 401},
		{"Basic " + base64.StdEncoding.EncodeToString([]byte("nocolon")), 401},
	} {
		rec := get(h, "/", "Authorization", tc.auth)
		if rec.Code != tc.code {
			t.Errorf("%q: %d", tc.auth, rec.Code)
			continue
		}
		if tc.code == 401 && (rec.Header().Get("WWW-Authenticate") != "" || !strings.HasPrefix(rec.Body.String(), `{"error":{"code":401,"message":`)) {
			t.Errorf("%q: %v %s", tc.auth, rec.Header(), rec.Body)
		}
	}
	// The app sees the user, not the credentials.
	mw, err := NewBasicAuth(BasicAuthOptions{UserFile: file})
	if err != nil {
		t.Fatal(err)
	}
	var seen http.Header
	get(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r.Header })), "/", "Authorization", basic("alice", "wonder"))
	if seen.Get("Authorization") != "" || seen.Get("X-User") != "alice" || seen.Get("X-User-Name") != "alice" {
		t.Errorf("headers %v", seen)
	}
}

// TestBasicAuthUnknownUserTakesAsLongAsAWrongPassword times the 401 for
// a name that is not in the file against the 401 for a known name with a
// wrong password. Both must cost one bcrypt comparison at the file's
// cost: the dummy hash an unknown name is compared with used to be made
// at the default cost (10) whatever the file's (htpasswd -B makes 5), so
// an unknown name took 2^(10-cost) times as long and could be told apart.
// Medians of interleaved attempts at cost 6 (16 times less than 10) keep
// a loaded machine's noise far from the bound.
func TestBasicAuthUnknownUserTakesAsLongAsAWrongPassword(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("wonder"), 6)
	if err != nil {
		t.Fatal(err)
	}
	file := htpasswd(t, "alice:$2y$"+string(hash[4:]))
	h := mustBuild(t, filterPaste("use = egg:oslo.middleware#basic_auth", "http_basic_auth_user_file = "+file))
	timed := func(auth string) time.Duration {
		start := time.Now()
		if rec := get(h, "/", "Authorization", auth); rec.Code != 401 {
			t.Fatalf("%s: %d", auth, rec.Code)
		}
		return time.Since(start)
	}
	var unknown, wrong []time.Duration
	for range 9 {
		unknown = append(unknown, timed(basic("carol", "wonder")))
		wrong = append(wrong, timed(basic("alice", "wrong")))
	}
	slices.Sort(unknown)
	slices.Sort(wrong)
	u, w := unknown[len(unknown)/2], wrong[len(wrong)/2]
	if ratio := float64(u) / float64(w); ratio > 3 || ratio < 1.0/3 {
		t.Errorf("median 401 for an unknown user %s, for a wrong password %s: %.1f times as long", u, w, ratio)
	}
}

// TestBasicAuthUsualCost checks which cost the dummy hash takes: the one
// most hashes in the file have, the higher one of a tie, the default for
// an empty file; and that every dummy has the cost asked for and
// matches no password tried.
func TestBasicAuthUsualCost(t *testing.T) {
	at := func(cost int) []byte { return []byte(fmt.Sprintf("$2y$%02d$", cost) + strings.Repeat("a", 53)) }
	for _, tc := range []struct {
		costs []int
		want  int
	}{
		{nil, bcrypt.DefaultCost},
		{[]int{5}, 5},
		{[]int{5, 5, 12}, 5},
		{[]int{12, 5}, 12},
		{[]int{4, 4, 7, 7, 6}, 7},
	} {
		users := map[string][]byte{}
		for i, c := range tc.costs {
			users[fmt.Sprint("user", i)] = at(c)
		}
		if got := usualCost(users); got != tc.want {
			t.Errorf("costs %v: %d, want %d", tc.costs, got, tc.want)
		}
	}
	for cost := bcrypt.MinCost; cost <= 14; cost++ {
		if got, err := bcrypt.Cost(dummyHash(cost)); err != nil || got != cost {
			t.Errorf("dummyHash(%d) has cost %d (%v)", cost, got, err)
		}
	}
	// Made when a cost has no constant (here one that has, for speed).
	made := makeDummy(bcrypt.MinCost)
	if got, err := bcrypt.Cost(made); err != nil || got != bcrypt.MinCost {
		t.Errorf("makeDummy(%d) has cost %d (%v)", bcrypt.MinCost, got, err)
	}
	for _, h := range [][]byte{dummyHash(4), dummyHash(5), dummyHash(6), made} {
		for _, pw := range []string{"", "wonder", "pasteserve-no-such-user"} {
			if bcrypt.CompareHashAndPassword(h, []byte(pw)) == nil {
				t.Errorf("%s matches %q", h, pw)
			}
		}
	}
}

func TestBasicAuthBadFile(t *testing.T) {
	use := "use = egg:oslo.middleware#basic_auth"
	wantBuildError(t, filterPaste(use, "http_basic_auth_user_file = /nonexistent/htpasswd"), "5:1", "[filter:f] http_basic_auth_user_file: cannot read the htpasswd file")
	md5 := htpasswd(t, "alice:$apr1$abc$defghijklmnopqrstuv")
	wantBuildError(t, filterPaste(use, "http_basic_auth_user_file = "+md5), "5:1", `line 1: the hash for "alice" is not bcrypt`)
	garbage := htpasswd(t, "just-a-name")
	wantBuildError(t, filterPaste(use, "http_basic_auth_user_file = "+garbage), "5:1", "line 1 is not user:hash")
}

func TestDebug(t *testing.T) {
	var out bytes.Buffer
	debugOutput = &out
	defer func() { debugOutput = os.Stdout }()
	for _, use := range []string{"use = egg:oslo.middleware#debug", "paste.filter_factory = oslo_middleware:Debug.factory", "paste.filter_factory = oslo_middleware.debug:Debug.factory"} {
		out.Reset()
		h := mustBuild(t, filterPaste(use))
		rec := get(h, "/x?status=201", "X-Auth-Token", "secret", "X-Trace", "t1")
		if rec.Code != 201 || line(rec.Body.String(), "path") != "/x" {
			t.Errorf("%s: response changed: %d", use, rec.Code)
		}
		s := out.String()
		for _, want := range []string{"REQUEST\nGET /x?status=201 HTTP/1.1\n", "X-Trace: t1", "X-Auth-Token: ****", "RESPONSE 201\n", "path=/x\n"} {
			if !strings.Contains(s, want) {
				t.Errorf("%s: output lacks %q:\n%s", use, want, s)
			}
		}
		if strings.Contains(s, "secret") {
			t.Errorf("token printed")
		}
	}
}

func TestAccessLog(t *testing.T) {
	var buf bytes.Buffer
	accessLogOutput = zerolog.New(&buf)
	defer func() { accessLogOutput = zerolog.New(io.Discard) }()
	src := "[pipeline:main]\npipeline = log request_id app\n[filter:log]\nuse = egg:Paste#translogger\nlogger_name = api\nlogging_level = warn\n" +
		"[filter:request_id]\nuse = egg:oslo.middleware#request_id\n[app:app]\nuse = egg:pasteserve#filters-test-app\n"
	h := mustBuild(t, src)
	r := httptest.NewRequest("GET", "/things?status=404", nil)
	r.Header.Set("User-Agent", "ua/1")
	rec := do(h, r)
	s := buf.String()
	for _, want := range []string{`"level":"warn"`, `"logger":"api"`, `"method":"GET"`, `"url":"/things?status=404"`, `"status":404`,
		`"user_agent":"ua/1"`, `"request_id":"` + rec.Header().Get("X-Openstack-Request-Id") + `"`, `"size":`} {
		if !strings.Contains(s, want) {
			t.Errorf("log lacks %s:\n%s", want, s)
		}
	}
	// Durations carry their unit: seconds, as wall_seconds in the server's access log.
	if !regexp.MustCompile(`"duration_seconds":[0-9.e-]+[,}]`).MatchString(s) {
		t.Errorf("log lacks duration_seconds:\n%s", s)
	}
	// A logger the server put in the context is used (and not changed).
	buf.Reset()
	var server bytes.Buffer
	do(withLogger(mustBuild(t, src), &server), httptest.NewRequest("GET", "/", nil))
	if buf.Len() != 0 || !strings.Contains(server.String(), `"status":200`) {
		t.Errorf("server logger not used: %q / %q", buf.String(), server.String())
	}
	wantBuildError(t, filterPaste("use = egg:pasteserve#access_log", "logging_level = loud"), "5:1", `[filter:f] logging_level: "loud" is not a level`)
}

func BenchmarkBasicAuth(b *testing.B) {
	file := htpasswd(b, "alice:"+bcryptHash(b, "wonder", "$2y$"))
	benchFilter(b, benchPaste("use = egg:oslo.middleware#basic_auth", "http_basic_auth_user_file = "+file), func() *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", basic("alice", "wonder"))
		return r
	})
}

func BenchmarkDebug(b *testing.B) {
	debugOutput = io.Discard
	defer func() { debugOutput = os.Stdout }()
	benchFilter(b, benchPaste("use = egg:oslo.middleware#debug"), func() *http.Request {
		return httptest.NewRequest("GET", "/", nil)
	})
}

func BenchmarkAccessLog(b *testing.B) {
	accessLogOutput = zerolog.New(io.Discard)
	defer func() { accessLogOutput = zerolog.New(io.Discard) }()
	benchFilter(b, benchPaste("use = egg:Paste#translogger"), func() *http.Request {
		return httptest.NewRequest("GET", "/", nil)
	})
}
