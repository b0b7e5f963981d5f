package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/reqlog"
	"github.com/pasteserve/pasteserve/request"
)

// The requests of one keep-alive connection share its state (connState),
// one after the other, and each sees only its own: its id (the header's,
// the context's and the access line's), its global id, the fields layers
// added to its logger, kept as fields or in the logger made for it. A
// logger taken during a request stays that request's after later ones
// have run; a context kept past its handler's return answers no request
// id, as connState says.
func TestConnectionRequestsEachSeeTheirOwnState(t *testing.T) {
	const global = "req-11111111-2222-4333-8444-555555555555"
	var (
		mu       sync.Mutex
		seen     []string // the id each request's handler saw
		globals  []string
		kept     *zerolog.Logger // request 3's
		keptCtx  context.Context // request 3's
		keptID   string
		handlers int
	)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if g := r.Header.Get("X-Global"); g != "" {
			request.SetGlobalID(ctx, g)
		}
		if u := r.Header.Get("X-U"); u != "" {
			reqlog.AddStr(ctx, "user", u) // a field of the Record
		}
		mu.Lock()
		defer mu.Unlock()
		if u := r.Header.Get("X-U-Logger"); u != "" {
			// The logger made for the request, updated in place.
			kept = zerolog.Ctx(ctx)
			kept.UpdateContext(func(c zerolog.Context) zerolog.Context { return c.Str("user", u) })
			keptCtx, keptID = ctx, request.ID(ctx)
		}
		handlers++
		seen = append(seen, request.ID(ctx))
		globals = append(globals, request.GlobalID(ctx))
		io.WriteString(w, "ok")
	})
	addr, logs := serveChain(t, Defaults(), h)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	reqs := []string{
		"X-U: alice\r\nX-Global: " + global + "\r\n",
		"",
		"X-U-Logger: bob\r\n",
		"",
		"X-U: carol\r\n",
	}
	var ids []string
	for i, extra := range reqs {
		fmt.Fprintf(c, "GET /r/%d HTTP/1.1\r\nHost: x\r\n%s\r\n", i, extra)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		ids = append(ids, resp.Header.Get(request.IDHeader))
	}
	mu.Lock()
	defer mu.Unlock()
	if handlers != len(reqs) {
		t.Fatalf("%d handlers ran, want %d", handlers, len(reqs))
	}
	distinct := map[string]bool{}
	for i, id := range ids {
		if !request.ValidID(id) || seen[i] != id || distinct[id] {
			t.Errorf("request %d: header id %q, the handler's %q; want one new id in both", i, id, seen[i])
		}
		distinct[id] = true
	}
	if globals[0] != global || globals[1] != "" || globals[2] != "" {
		t.Errorf("global ids %q: want the first request's only", globals)
	}

	// The logger taken by request 3 is still request 3's.
	kept.Info().Msg("late")
	if request.ID(keptCtx) != "" {
		t.Errorf("a context kept past its handler answers request id %q, want none", request.ID(keptCtx))
	}

	wantUser := []string{"alice", "", "bob", "", "carol"}
	var lines []map[string]any
	for _, l := range accessLines(logs) {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		lines = append(lines, m)
	}
	if len(lines) != len(reqs) {
		t.Fatalf("%d access lines, want %d:\n%s", len(lines), len(reqs), logs.String())
	}
	for i, m := range lines {
		user, _ := m["user"].(string)
		if m["request_id"] != ids[i] || user != wantUser[i] || m["request_line"] != fmt.Sprintf("GET /r/%d HTTP/1.1", i) {
			t.Errorf("access line %d: request_id %v, user %q, request_line %v; want %s, %q, GET /r/%d", i, m["request_id"], user, m["request_line"], ids[i], wantUser[i], i)
		}
	}
	late := ""
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"message":"late"`) {
			late = l
		}
	}
	if !strings.Contains(late, `"request_id":"`+keptID+`"`) || !strings.Contains(late, `"user":"bob"`) || keptID != ids[2] {
		t.Errorf("the line of request 3's kept logger, after two more requests: %s; want request_id %s and user bob", late, ids[2])
	}
}

// HTTP/2 streams, which run at once on one connection, each get a state
// of their own: every stream's id is its own, in its header and its
// context.
func TestHTTP2StreamsEachSeeTheirOwnState(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{} // path -> the id the handler saw
	release := make(chan struct{})
	var started sync.WaitGroup
	const n = 8
	started.Add(n)
	s := serveHTTP2(t, Defaults(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqlog.AddStr(r.Context(), "user", r.URL.Path)
		started.Done()
		if r.URL.Path == "/warm" {
			return
		}
		<-release // all n at once on the connection
		mu.Lock()
		seen[r.URL.Path] = request.ID(r.Context())
		mu.Unlock()
	}))
	t.Cleanup(func() { s.srv.Close() })
	client := s.client(nil)
	// One request first, so that the streams below share its connection.
	started.Add(1)
	resp, err := client.Get("https://" + s.addr + "/warm")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := client.Get(fmt.Sprintf("https://%s/s/%d", s.addr, i))
			if err != nil {
				errs[i] = err
				return
			}
			resp.Body.Close()
			if resp.ProtoMajor != 2 {
				errs[i] = fmt.Errorf("served over %s", resp.Proto)
			}
			ids[i] = resp.Header.Get(request.IDHeader)
		}()
	}
	waited := make(chan struct{})
	go func() { started.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Error("the streams did not all start")
	}
	close(release)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("stream %d: %v", i, errs[i])
		}
		if p := fmt.Sprintf("/s/%d", i); !request.ValidID(ids[i]) || seen[p] != ids[i] {
			t.Errorf("stream %d: header id %q, the handler's %q", i, ids[i], seen[p])
		}
	}
}
