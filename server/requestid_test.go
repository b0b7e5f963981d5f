package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/request"
)

// The server's id is in the response header, in the context and in the
// access log line, and a request_id filter in the pipeline keeps it
// rather than making a second one.
func TestAssignedRequestID(t *testing.T) {
	f, ok := factory.Default.Lookup("egg:oslo.middleware#request_id", plan.TypeFilter)
	if !ok {
		t.Fatal("request_id is not registered")
	}
	withFilter, err := f.Filter(factory.NewConfig(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	var seen string
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = request.ID(r.Context()) })

	for _, tc := range []struct {
		name       string
		assign     bool
		pipeline   http.Handler
		wantHeader bool
	}{
		{"no request_id filter", true, app, true},
		{"request_id filter", true, withFilter(app), true},
		{"assign off, filter", false, withFilter(app), true},
		{"assign off, no filter", false, app, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			o := Defaults()
			o.AssignRequestID = tc.assign
			h := newHTTPServer(o, zerolog.New(&logs), tc.pipeline).Handler
			seen = ""
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
			id := w.Header().Get("X-Openstack-Request-Id")
			if !tc.wantHeader {
				if id != "" || seen != "" || strings.Contains(logs.String(), "request_id") {
					t.Errorf("an id without assign_request_id or a filter: header %q, ctx %q, log %s", id, seen, logs.String())
				}
				return
			}
			if !strings.HasPrefix(id, "req-") || len(id) != 40 || seen != id {
				t.Errorf("header %q, RequestID(ctx) %q: want the same req-<uuid>", id, seen)
			}
			var line map[string]any
			if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
				t.Fatalf("access log line %q: %v", logs.String(), err)
			}
			if line["request_id"] != id || strings.Count(logs.String(), `"request_id"`) != 1 {
				t.Errorf("access log line %s: want request_id %s once", logs.String(), id)
			}
		})
	}
}

// The responses the server's own limits write carry the id too: 431 for
// a long header line, 503 beyond the pool (here of size 0).
func TestRequestIDOnLimitResponses(t *testing.T) {
	o := Defaults()
	o.MaxHeaderLine = 100
	h := newHTTPServer(o, zerolog.Nop(), http.NotFoundHandler()).Handler
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Long", strings.Repeat("a", 200))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 431 || !strings.HasPrefix(w.Header().Get("X-Openstack-Request-Id"), "req-") {
		t.Errorf("431 response: %d, %v", w.Code, w.Header())
	}

	o = Defaults()
	o.PoolSize = 0
	h = newHTTPServer(o, zerolog.Nop(), http.NotFoundHandler()).Handler
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 503 || !strings.HasPrefix(w.Header().Get("X-Openstack-Request-Id"), "req-") {
		t.Errorf("503 response: %d, %v", w.Code, w.Header())
	}
}

// Each request's logger is its own, with assign_request_id off too: a
// layer that adds fields to it in place (zerolog's UpdateContext, as the
// request_id filter and hlog do) adds them to that request's lines alone.
// A logger shared between requests, or one whose field buffer is shared
// (a copy of the server's logger without With), would mix requests'
// fields up under concurrency; this is why every request has a logger
// of its own (a reqlog.Record in its state).
func TestRequestLoggerIsPerRequest(t *testing.T) {
	var logs syncBuffer
	o := Defaults()
	o.AssignRequestID = false
	o.PoolSize = 1000
	log := zerolog.New(&logs).With().Str("service", "pasteserve").Logger()
	h := newHTTPServer(o, log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		zerolog.Ctx(r.Context()).UpdateContext(func(c zerolog.Context) zerolog.Context {
			return c.Str("user", r.Header.Get("X-U"))
		})
		time.Sleep(time.Millisecond)
	})).Handler
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := httptest.NewRequest("GET", fmt.Sprintf("/u/%03d", i), nil)
			r.Header.Set("X-U", fmt.Sprintf("%03d", i))
			h.ServeHTTP(httptest.NewRecorder(), r)
		}()
	}
	wg.Wait()
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%v: %q", err, line)
		}
		if rl, _ := m["request_line"].(string); rl != "GET /u/"+fmt.Sprint(m["user"])+" HTTP/1.1" || m["service"] != "pasteserve" {
			t.Errorf("a request's fields in another's line: %q", line)
		}
		n++
	}
	if n != 200 {
		t.Errorf("%d access lines, want 200", n)
	}
}
