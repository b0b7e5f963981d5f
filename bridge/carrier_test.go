package bridge

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/plan"
)

func TestReservedHeaders(t *testing.T) {
	for name, want := range map[string]bool{
		"X-Pasteserve-Wsgi": true, "x-pasteserve-wsgi": true, "X_Pasteserve_Wsgi": true, "X_PASTESERVE_OTHER": true,
		"x-pasteserve_x": true, "X-Pasteserve-": true, "SCRIPT_NAME": true, "script_name": true,
		"X-Pasteserve": false, "X-Pasteservewsgi": false, "Script-Name": false, "X-Forwarded-For": false, "X-Pastes": false,
	} {
		if got := reserved(name); got != want {
			t.Errorf("reserved(%q) = %v, want %v", name, got, want)
		}
	}
}

// Paths are bytes to WSGI: the carrier keeps every byte, whatever JSON
// does to strings that are not UTF-8.
func TestEscapePathKeepsBytes(t *testing.T) {
	for _, s := range []string{"", "/a/b", "/ü x", "/%41", "/\xff\xfe", "/a\x00b", "/100%"} {
		e := escapePath(s)
		if strings.ContainsAny(e, " \x00") {
			t.Errorf("escapePath(%q) = %q", s, e)
		}
		b, _ := json.Marshal(e)
		var back string
		json.Unmarshal(b, &back)
		if got, err := url.PathUnescape(back); err != nil || got != s {
			t.Errorf("escapePath(%q) = %q, which unescapes to %q (%v)", s, e, got, err)
		}
	}
}

// The carrier is the JSON and its HMAC-SHA256 under the key, both in
// unpadded base64url, as the host verifies it.
func TestSignIsHMACOfThePayload(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	v := sign(key, carrier{Key: "t1", PathInfo: "/x", RequestID: "req-1"})
	p, s, ok := strings.Cut(v, ".")
	if !ok {
		t.Fatalf("no '.' in %q", v)
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	sig, err2 := base64.RawURLEncoding.DecodeString(s)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	m := hmac.New(sha256.New, key)
	m.Write(payload)
	if !hmac.Equal(sig, m.Sum(nil)) {
		t.Error("the signature is not the payload's HMAC")
	}
	var c carrier
	if err := json.Unmarshal(payload, &c); err != nil || c.Key != "t1" || c.PathInfo != "/x" || c.RequestID != "req-1" {
		t.Errorf("payload %s: %v", payload, err)
	}
}

// TailKey is stable, and tells apart what it is made of: the file,
// the defaults, the global configuration, each element's name, type
// and skip, and the order of making.
func TestTailKey(t *testing.T) {
	base := func() Tail {
		return Tail{File: "/etc/x/api-paste.ini", Global: map[string]string{"a": "1"},
			Elements: []Element{{Type: plan.TypeFilter, Name: "ctx"}, {Type: plan.TypeApp, Name: "api"}}}
	}
	a := TailKey(base())
	if a != TailKey(base()) {
		t.Error("TailKey is not stable")
	}
	for name, change := range map[string]func(*Tail){
		"file":          func(t *Tail) { t.File = "/etc/y/api-paste.ini" },
		"defaults":      func(t *Tail) { t.Defaults = map[string]string{"a": "1"} },
		"global":        func(t *Tail) { t.Global["a"] = "2" },
		"no global":     func(t *Tail) { t.Global = nil },
		"name":          func(t *Tail) { t.Elements[0].Name = "ct" },
		"names' bounds": func(t *Tail) { t.Elements[0].Name, t.Elements[1].Name = "ctxa", "pi" },
		"type":          func(t *Tail) { t.Elements[0].Type = plan.TypeApp },
		"skip":          func(t *Tail) { t.Elements[0].Skip, t.Elements[0].Keep = 1, 1 },
		"filters first": func(t *Tail) { t.FiltersFirst = true },
		"one element":   func(t *Tail) { t.Elements = t.Elements[1:] },
	} {
		b := base()
		change(&b)
		if TailKey(b) == a {
			t.Errorf("TailKey does not tell apart a tail with another %s: %s", name, a)
		}
	}
}

// A tail's file is taken by its absolute path: the key of a tail given
// by a relative path is the key of its absolute path, whatever the
// directory it was made in, and the pool loads it by that path.
func TestTailKeyOfARelativeFile(t *testing.T) {
	dir := testdataDir(t)
	spec := testSpec(t) // testdataDir is relative to the package's directory
	abs := Whole(filepath.Join(dir, "tails.ini"), "main", nil)
	t.Chdir(dir)
	rel := Whole("tails.ini", "main", nil)
	t.Chdir(filepath.Join(dir, "py"))
	up := Whole("../tails.ini", "main", nil)
	if rel.Key != abs.Key || up.Key != abs.Key {
		t.Errorf("keys %s (tails.ini in testdata), %s (../tails.ini in testdata/py), want %s, the absolute path's", rel.Key, up.Key, abs.Key)
	}
	// A pool given the relative path loads the file (PasteDeploy
	// refuses a relative config: URI: the host gets it absolute), and
	// the handler made with the absolute path reaches it.
	t.Chdir(dir)
	rel.Section = "pipeline:main"
	spec.Tails = []Tail{rel}
	_, c, _ := startPool(t, spec)
	srv := httptest.NewServer(c.Handler(abs))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	if r := getReport(t, nil, req); r.App.Name != "app1" {
		t.Errorf("report %+v", r)
	}
}

func TestLoadErrorMessage(t *testing.T) {
	pos := dsl.Pos{Filename: "/etc/barbican/barbican-api-paste.ini", Line: 38, Column: 1}
	for _, c := range []struct {
		e    LoadError
		want string
	}{
		{LoadError{Pos: pos, Section: "filter:context", Message: "ImportError: no"}, "/etc/barbican/barbican-api-paste.ini:38:1: [filter:context]: ImportError: no"},
		{LoadError{Pos: pos, Message: "LookupError: x"}, "/etc/barbican/barbican-api-paste.ini:38:1: LookupError: x"},
		{LoadError{Init: "m:f", Message: "RuntimeError: y"}, "python init m:f: RuntimeError: y"},
	} {
		if got := c.e.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
	}
}

// With no pool behind the socket, a Handler answers 503 with
// Retry-After and a JSON fault, at once.
func TestHandlerWithoutPool(t *testing.T) {
	c, err := NewClient(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c.Handler(Tail{Key: "t"}))
	defer srv.Close()
	start := time.Now()
	resp, err := http.Get(srv.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), `"503 Service Unavailable"`) {
		t.Errorf("%s Retry-After %q: %s", resp.Status, resp.Header.Get("Retry-After"), body)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	if c.InFlight() != 0 {
		t.Errorf("InFlight %d after the request", c.InFlight())
	}
}

// Env and ClientFromEnv hand a pool to a child process; a malformed
// environment is an error, an empty one no client.
func TestClientFromEnv(t *testing.T) {
	c, err := NewClient(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvSocket, "")
	t.Setenv(EnvKey, "")
	if got, ok, err := ClientFromEnv(); got != nil || ok || err != nil {
		t.Errorf("empty environment: %v %v %v", got, ok, err)
	}
	for _, kv := range c.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	got, ok, err := ClientFromEnv()
	if err != nil || !ok || got.socket != c.socket || string(got.key) != string(c.key) {
		t.Errorf("ClientFromEnv: %v %v %v", got, ok, err)
	}
	t.Setenv(EnvKey, "c2hvcnQ")
	if _, _, err := ClientFromEnv(); err == nil {
		t.Error("a short key was accepted")
	}
}

// A Go worker's Client, from the environment the master's Env gave it,
// reaches the master's pool.
func TestClientFromEnvReachesThePool(t *testing.T) {
	tl := tail(t, "main")
	_, c, _ := startPool(t, testSpec(t, tl))
	for _, kv := range c.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	wc, ok, err := ClientFromEnv()
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	srv := httptest.NewServer(wc.Handler(tl))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/from-worker", nil)
	if r := getReport(t, nil, req); r.Environ["PATH_INFO"] != "/from-worker" {
		t.Errorf("environ %v", r.Environ)
	}
}
