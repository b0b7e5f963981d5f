// Package bridge runs the Python tails of a paste file and reaches
// them from Go: the part of a pipeline from its first element without a
// Go factory on, loaded by the real PasteDeploy in gunicorn workers that
// pasteserve starts and supervises, behind a unix socket that only
// pasteserve can reach.
//
// # The API
//
//   - Options are the [python] options (group python), DefaultOptions
//     their defaults.
//   - A Tail says what a worker loads: its Elements, by name, one by
//     one, in File, as PasteDeploy's pipeline loads its items
//     (loader.get_context(FILTER or APP, name, global_conf=Global)),
//     the last being the app; nothing that Go runs is resolved in
//     Python. An Element with Skip is an object less the filter-with
//     filters Go runs. Whole is a chain's root loaded whole; TailKey
//     names a tail.
//   - A Client is one pool's socket and key: NewClient in pasteserve's
//     master, ClientFromEnv in its Go workers (Env passes it to them).
//     Client.Handler(tail) is the http.Handler that forwards to the tail;
//     InFlight and WaitIdle count what is being forwarded.
//   - Start(ctx, client, spec, log) starts the pool and returns once
//     every worker has loaded every tail, or a *LoadError positioned at
//     the section that failed; Pool.Stop(deadline) stops it (SIGTERM,
//     then SIGKILL of its process group) and removes its directory;
//     Pool.Done is closed once it has.
//
// # The carrier
//
// Go knows things about a request that the WSGI environ must say and
// that HTTP cannot carry faithfully: where Go's urlmap split
// SCRIPT_NAME from PATH_INFO, the scheme and host after Go's
// http_proxy_to_wsgi, the real client's address and port, the request
// id. The Handler puts them in one request header, X-Pasteserve-Wsgi:
// base64url(JSON) "." base64url(HMAC-SHA256(key, JSON)), with the
// pool's 32-byte key, which only pasteserve and the pool hold. The
// host's dispatcher verifies it (in constant time), sets the environ
// from it (SCRIPT_NAME, PATH_INFO, wsgi.url_scheme, HTTP_HOST,
// SERVER_NAME and SERVER_PORT, REMOTE_ADDR, REMOTE_PORT,
// openstack.request_id, openstack.global_request_id), removes every
// HTTP_X_PASTESERVE_* key, and calls the tail the carrier names. A
// request without a valid carrier gets a 500 and the app is never
// called. The Handler deletes every client header whose name begins
// x-pasteserve- (in any case, and with '_' for '-', which gunicorn
// reads alike), so a client cannot forge one.
//
// # Lifecycle
//
// Start writes the host module (embedded: host/pasteserve_host.py) and
// a spec into the Client's private directory and runs the interpreter
// on it: gunicorn's master, in its own process group, with Pdeathsig
// and a watchdog of its own so that it stops when pasteserve goes, even
// by SIGKILL. Each worker loads every tail (after fork: loaded apps
// hold threads and connections that do not survive one) and reports on
// fd 3. gunicorn replaces a worker that dies; a master that exits on
// its own is restarted with backoff (100 ms doubling to 30 s, reset
// after a minute up), and meanwhile the Handlers answer 503 with
// Retry-After. docs/python-bridge.md says why the engine is gunicorn
// and why there is one pool per server.
package bridge
