package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/request"
)

// fuzzLimits are the options FuzzServeConn serves with: small limits, so
// that short inputs reach them.
func fuzzLimits() Options {
	o := Defaults()
	o.MaxHeaderLine = 200
	o.MaxHeaderSize = 1000
	o.PoolSize = 2
	o.ReadHeaderTimeout = 2 * time.Second
	o.ReadBodyTimeout = 2 * time.Second
	o.IdleTimeout = 2 * time.Second
	o.SendTimeout = time.Second
	return o
}

// fuzzApp records what reaches the pipeline, so that FuzzServeConn can
// check that the server's limits held for every request that got past
// them, and answers with a small body (after reading the request's).
type fuzzApp struct {
	o        Options
	mu       sync.Mutex
	inflight int
	bad      []string
	// closing lists the connections (by client address) whose last
	// request had to close them: chunked, or HTTP/1.0 keep-alive.
	closing map[string]bool
}

func (a *fuzzApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.inflight++
	if a.inflight > a.o.PoolSize {
		a.bad = append(a.bad, fmt.Sprintf("%d requests in the pipeline at once; wsgi_default_pool_size is %d", a.inflight, a.o.PoolSize))
	}
	if a.closing[r.RemoteAddr] {
		a.bad = append(a.bad, fmt.Sprintf("%s %s served on a connection that had to close after its previous request (request smuggling)", r.Method, r.RequestURI))
	}
	if r.ProtoMajor == 1 && (r.TransferEncoding != nil || r.ProtoMinor == 0) {
		a.closing[r.RemoteAddr] = true
	}
	size := len(r.Method) + len(r.RequestURI) + len(r.Proto) + len("Host: ") + len(r.Host)
	if n := len("Host: ") + len(r.Host); n > a.o.MaxHeaderLine {
		a.bad = append(a.bad, fmt.Sprintf("a %d-byte Host line reached the pipeline", n))
	}
	for name, values := range r.Header {
		if strings.Contains(name, "_") {
			a.bad = append(a.bad, fmt.Sprintf("header %q reached the pipeline", name))
		}
		for _, v := range values {
			if n := len(name) + 2 + len(v); n > a.o.MaxHeaderLine {
				a.bad = append(a.bad, fmt.Sprintf("a %d-byte %s line reached the pipeline", n, name))
			}
			size += len(name) + len(v) + 4
		}
	}
	if pragmaAddedCacheControl(r.Header) {
		size -= len("Cache-Control") + len("no-cache") + 4 // net/http's, not sent
	}
	if size > a.o.MaxHeaderSize {
		a.bad = append(a.bad, fmt.Sprintf("%d bytes of request line and headers reached the pipeline", size))
	}
	a.mu.Unlock()
	n, _ := io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
	fmt.Fprintf(w, "%s %s read %d\n", r.Method, r.URL.Path, n)
	a.mu.Lock()
	a.inflight--
	a.mu.Unlock()
}

// fuzzSeeds are requests that reach the server's rules: keep-alive and
// pipelining, chunked bodies, request smuggling, long and many headers,
// underscore names, HTTP/1.0, malformed lines.
var fuzzSeeds = []string{
	"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
	"POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /SMUGGLED HTTP/1.1\r\nHost: x\r\n\r\n",
	"POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabcGET /SMUGGLED HTTP/1.0\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: " + strings.Repeat("h", 300) + "\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + strings.Repeat("v", 300) + "\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-A: b\r\n", 200) + "\r\n",
	"GET /" + strings.Repeat("u", 3000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nX_User_Id: admin\r\nX-Roles: admin\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
	"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n1\r\na\r\n0\r\nX-T: v\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nab",
	"GET http://other/abs HTTP/1.1\r\nHost: x\r\n\r\n",
	"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
	"GET / HTTP/9.9\r\n\r\n",
	"\r\n\r\nGET\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\n folded: line\r\n\r\n",
	"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET * HTTP/1.1\r\nHost: x\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nab",
}

// FuzzServeConn writes arbitrary bytes to a live connection of the real
// handler chain (newServing: the request logger, access log, guard and
// drain handler, on wrapped connections), half-closes it and reads what
// comes back. Whatever the bytes:
//
//   - nothing panics (a panic in the server's own code, outside the
//     guard's recovery, ends the fuzzing process);
//   - what comes back is a sequence of well-formed HTTP/1.x responses,
//     each final one carrying x-openstack-request-id, and the connection
//     ends;
//   - no request reaches the pipeline past the limits: no header line
//     over max_header_line, no more header bytes than max_header_size, no
//     header name with '_', no more requests at once than the pool, none
//     after a request that had to close its connection;
//   - no goroutine is left behind: every so many inputs, the count must
//     come back down to what it was.
func FuzzServeConn(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	o := fuzzLimits()
	app := &fuzzApp{o: o, closing: map[string]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	srv, _, wrapped := newServing(o, zerolog.Nop(), app, ln)
	srv.ErrorLog = nil // net/http's own complaints about malformed input are expected here
	go srv.Serve(wrapped)
	f.Cleanup(func() { srv.Close() })
	addr := ln.Addr().String()

	baseline := runtime.NumGoroutine()
	execs := 0
	f.Fuzz(func(t *testing.T, in []byte) {
		execs++
		if execs%500 == 0 {
			checkGoroutines(t, baseline)
		}
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		// The server may answer (and close) before it has read
		// everything; a failed write is not a failure.
		c.Write(in)
		c.(*net.TCPConn).CloseWrite()
		out, err := io.ReadAll(c)
		if err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
			t.Fatalf("reading the answer: %v (got %q)\ninput: %q", err, out, in)
		}
		checkResponses(t, in, out)
		app.mu.Lock()
		bad := app.bad
		app.bad = nil
		delete(app.closing, c.LocalAddr().String())
		app.mu.Unlock()
		if len(bad) > 0 {
			t.Fatalf("%s\ninput: %q", strings.Join(bad, "\n"), in)
		}
	})
}

func isReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset by peer")
}

// checkResponses parses out as the responses to in: each must be a
// well-formed HTTP/1.x response, and each final one (not 1xx) must carry
// a request id, whoever wrote it (a handler, the guard, or net/http
// through wireConn).
func checkResponses(t *testing.T, in, out []byte) {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(out))
	for n := 0; ; n++ {
		if _, err := br.Peek(1); err == io.EOF {
			return
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d is not HTTP: %v\ninput: %q\noutput: %q", n, err, in, out)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("response %d: body: %v\ninput: %q\noutput: %q", n, err, in, out)
		}
		if resp.StatusCode >= 200 && resp.Header.Get(request.IDHeader) == "" {
			t.Fatalf("response %d (%s) has no %s\ninput: %q\noutput: %q", n, resp.Status, request.IDHeader, in, out)
		}
		if resp.StatusCode == http.StatusInternalServerError {
			t.Fatalf("response %d is a 500: the server failed\ninput: %q\noutput: %q", n, in, out)
		}
	}
}

// checkGoroutines waits, up to 5 s, for the number of goroutines to come
// back to about baseline: net/http ends a connection's goroutine at most
// half a second after it closes the connection (it lingers so that the
// client reads its answer before a reset), so what stays longer is left
// behind.
func checkGoroutines(t *testing.T, baseline int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= baseline+5 {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines, %d before the inputs: some are left behind:\n%s", n, baseline, buf)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
