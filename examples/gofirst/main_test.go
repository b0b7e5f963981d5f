package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// serve sends one request to the program's handler.
func serve(t *testing.T, h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// The program of docs/go.md answers as the page says: the API through
// cors and request_id, mounted by urlmap, and the versions document.
func TestGoFirst(t *testing.T) {
	h, err := newHandler()
	if err != nil {
		t.Fatal(err)
	}

	rec := serve(t, h, httptest.NewRequest("GET", "http://api.example.com/v2.0/networks", nil))
	id := rec.Header().Get("X-Openstack-Request-Id")
	if rec.Code != 200 || !strings.HasPrefix(id, "req-") {
		t.Fatalf("GET /v2.0/networks: %d, x-openstack-request-id %q, %s", rec.Code, id, rec.Body)
	}
	var body struct {
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.RequestID != id {
		t.Errorf("GET /v2.0/networks: body %s (%v), want request_id %q", rec.Body, err, id)
	}

	pre := httptest.NewRequest("OPTIONS", "http://api.example.com/v2.0/networks", nil)
	pre.Header.Set("Origin", "https://dashboard.example.com")
	pre.Header.Set("Access-Control-Request-Method", "GET")
	pre.Header.Set("Access-Control-Request-Headers", "x-auth-token")
	rec = serve(t, h, pre)
	if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "https://dashboard.example.com" {
		t.Errorf("preflight: Access-Control-Allow-Origin %q, headers %v", got, rec.Header())
	}

	rec = serve(t, h, httptest.NewRequest("GET", "http://api.example.com/", nil))
	if want := `"href":"http://api.example.com/v2.0/"`; rec.Code != 200 || !strings.Contains(rec.Body.String(), want) {
		t.Errorf("GET /: %d %s, want %s", rec.Code, rec.Body, want)
	}

	rec = serve(t, h, httptest.NewRequest("GET", "http://api.example.com/v2.0/nosuch", nil))
	if rec.Code != 404 {
		t.Errorf("GET /v2.0/nosuch: %d, want chi's 404", rec.Code)
	}
}

// Using the built-ins from Go links no registry: the program imports
// neither factory nor builtin, nor the paste machinery.
func TestGoFirstLinksNoRegistry(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		for _, bad := range []string{"/factory", "/builtin", "/loader", "/resolve", "/build"} {
			if strings.HasPrefix(p, "github.com/pasteserve/pasteserve") && strings.HasSuffix(p, bad) {
				t.Errorf("the program links %s", p)
			}
		}
	}
}

// docs/go.md shows the program's code: every Go block of the page is
// in main.go as it is, so the page cannot drift from code that compiles.
func TestDocShowsTheProgram(t *testing.T) {
	doc, err := os.ReadFile("../../docs/go.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	blocks := 0
	for _, part := range strings.Split(string(doc), "```go\n")[1:] {
		code, _, ok := strings.Cut(part, "```")
		if !ok {
			t.Fatal("docs/go.md: a ```go block is not closed")
		}
		blocks++
		if !strings.Contains(string(src), code) {
			t.Errorf("docs/go.md shows code that is not in examples/gofirst/main.go:\n%s", code)
		}
	}
	if blocks == 0 {
		t.Error("docs/go.md shows no Go code")
	}
}
