package server

import (
	"context"
	"errors"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pasteserve/pasteserve/bridge"
	"github.com/pasteserve/pasteserve/build"
	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/options"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/redact"
	"github.com/rs/zerolog"
)

// The Python side of the server (docs/python.md). With [python]
// executable (--python), every chain of the plan is split at its first
// element with no Go factory (package build), and the rest, the tail,
// runs in a pool of Python workers (package bridge) that the process
// owning the listening socket starts: the in-process server, or the
// master of pre-fork workers, whose workers reach the one pool through
// the client its environment describes. A load is one generation: the
// Go handler and the pool it reaches, started and loaded before the
// handler serves; a reload makes a new generation beside the old one
// and retires the old once no request uses it.

// pythonGroup is the option group of the [python] options.
const pythonGroup = "python"

// pythonTable is the [python] options with their defaults, which
// LoadSettings reads from the config files as it reads its own.
var pythonTable = func() []options.Option {
	t, err := options.Describe(bridge.DefaultOptions())
	if err != nil {
		panic("server: " + err.Error()) // a malformed tag in package bridge
	}
	return t
}()

// checkPython places the [python] settings that cannot work at the key
// (or flag) that set them: an executable that is not one, an env item
// without '='.
func (c *Settings) checkPython() dsl.Diagnostics {
	var ds dsl.Diagnostics
	if exe := c.Python.Executable; exe != "" {
		if _, err := exec.LookPath(exe); err != nil {
			ds.Errorf(c.at("python.executable"), "[python] executable: %v", errors.Unwrap(err))
		}
	}
	for _, kv := range c.Python.Env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			ds.Errorf(c.at("python.env"), "[python] env: %q is not NAME=VALUE", kv)
		}
	}
	return ds
}

// configArgs are the --config-file and --config-dir arguments, as argv
// strings, which a [python] init callable gets.
func (c *Settings) configArgs() []string {
	var out []string
	for _, f := range c.flags.ConfigFiles {
		out = append(out, "--config-file", f)
	}
	if c.ConfigDir != "" {
		out = append(out, "--config-dir", c.ConfigDir)
	}
	return out
}

// resolveApp resolves the app cfg serves, from the paste file as
// LoadSettings read it.
func resolveApp(cfg *Settings, reg *factory.Registry) (*plan.Node, error) {
	n, err := cfg.set.Resolver(reg).Resolve(cfg.set.Path(), cfg.Name, plan.TypeApp, cfg.Global)
	if err != nil {
		return nil, &SourceError{Err: err, Files: cfg.set.Files()}
	}
	return n, nil
}

// buildOptions are the build options of cfg, without a Foreign.
func (cfg *Settings) buildOptions() build.Options {
	return build.Options{File: cfg.set.Path(), Injected: cfg.Global}
}

// bridgeTail is the bridge's form of t: what the Python side loads,
// its key (the same in every process: bridge keys the file by its
// absolute path, and build gives it absolute already), and where
// it starts, for a Python error that names no section.
func bridgeTail(t build.Tail) bridge.Tail {
	bt := bridge.Tail{File: t.File, Defaults: t.Defaults, Global: t.Global, FiltersFirst: t.FiltersFirst}
	for _, e := range t.Elements {
		bt.Elements = append(bt.Elements, bridge.Element{Type: e.Type, Name: e.Name, Skip: e.Skip, Keep: e.Keep})
	}
	bt.Key = bridge.TailKey(bt)
	at := t.Root
	if at.Section == "" && len(t.Nodes) > 0 {
		at = t.Nodes[0] // a composite's inline pipeline has no section
	}
	bt.Section, bt.Pos = at.Section, at.Pos
	return bt
}

// foreign builds a tail as the bridge's handler to it.
type foreign struct{ c *bridge.Client }

func (f foreign) Tail(t build.Tail) (http.Handler, error) { return f.c.Handler(bridgeTail(t)), nil }

// generation is one load of the app: the handler that serves it and,
// when its plan has Python parts, the client of the pool they reach and,
// where this process owns that pool, the pool.
type generation struct {
	h      http.Handler
	client *bridge.Client // nil without Python parts
	pool   *bridge.Pool   // nil without, or in a worker (the master owns it)
	// inflight counts the requests in h, when client is set: the pool
	// must outlive every one of them, also those still in Go filters.
	inflight atomic.Int64
}

// swapHandler serves whatever generation was stored last: a reload
// stores a rebuilt one, and requests already running finish on the old.
type swapHandler struct{ p atomic.Pointer[generation] }

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g := s.p.Load()
	if g.client == nil {
		g.h.ServeHTTP(w, r) // nothing to count: no pool waits for it
		return
	}
	// Counted only while g is still the current generation: once a
	// reload has stored the next one and seen g idle, no request enters
	// g, so that its pool can be stopped.
	for {
		g.inflight.Add(1)
		if s.p.Load() == g {
			break
		}
		g.inflight.Add(-1)
		if g = s.p.Load(); g.client == nil {
			g.h.ServeHTTP(w, r)
			return
		}
	}
	defer g.inflight.Add(-1)
	g.h.ServeHTTP(w, r)
}

// store serves h from now on, a generation with no Python part.
func (s *swapHandler) store(h http.Handler) { s.p.Store(&generation{h: h}) }

// swap serves g from now on and returns the generation it replaces.
func (s *swapHandler) swap(g *generation) *generation { return s.p.Swap(g) }

// startPool starts the pool of cfg's tails, for a generation of this
// process, and returns its client; no tails start nothing. A Python
// load error comes back positioned at its section (the bridge has
// logged its traceback, once).
func startPool(ctx context.Context, cfg *Settings, tails []build.Tail, log zerolog.Logger) (*bridge.Client, *bridge.Pool, error) {
	if len(tails) == 0 {
		return nil, nil, nil
	}
	c, err := bridge.NewClient("")
	if err != nil {
		return nil, nil, err
	}
	spec := bridge.Spec{Options: cfg.Python, PasteFile: cfg.set.Path(), ConfigArgs: cfg.configArgs(), Secrets: pythonSecrets(cfg, tails)}
	for _, t := range tails {
		spec.Tails = append(spec.Tails, bridgeTail(t))
	}
	pool, err := bridge.Start(ctx, c, spec, log)
	if err != nil {
		return nil, nil, positionedLoadError(err, cfg)
	}
	return c, pool, nil
}

// pythonSecrets are the secret values the Python side is given, which
// the pool masks in what it logs of Python's and in its load errors:
// those of the configuration of every node of the tails (the Go
// filters in front included, since PasteDeploy resolves them too), of
// the config files' options, and of [python] env, each NAME=VALUE as
// the option NAME.
func pythonSecrets(cfg *Settings, tails []build.Tail) redact.Secrets {
	maps := []map[string]string{optionValues(&cfg.Options), cfg.Global}
	for _, t := range tails {
		maps = append(maps, t.Global)
		plan.Walk(t.Root, func(n *plan.Node) { maps = append(maps, n.Local, n.Global) })
	}
	env := make(map[string]string, len(cfg.Python.Env))
	for _, kv := range cfg.Python.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[strings.ToLower(k)] = v
	}
	return redact.Collect(append(maps, env)...)
}

// positionedLoadError makes a Python load error a SourceError at its
// section, so that it prints with the source line as the paste file's
// other errors do.
func positionedLoadError(err error, cfg *Settings) error {
	var le *bridge.LoadError
	if !errors.As(err, &le) || !le.Pos.IsValid() {
		return err
	}
	msg := strings.TrimPrefix(le.Error(), le.Pos.String()+": ")
	pos, files := le.Pos, cfg.set.Files()
	// The file by the name the paste file's other errors give it (the
	// bridge names it by its absolute path), so that the source line
	// is found for the excerpt.
	if abs, err := filepath.Abs(pos.Filename); err == nil {
		for _, f := range files {
			if fa, err := filepath.Abs(f.Name); err == nil && fa == abs {
				pos.Filename = f.Name
			}
		}
	}
	return &SourceError{Err: dsl.Diagnostics{{Pos: pos, Msg: "python: " + msg, Err: le}}, Files: files}
}

// loadMode is which process loads a generation.
type loadMode int

const (
	// ownPool: the in-process server, which starts the pool of its
	// generation and builds the handler.
	ownPool loadMode = iota
	// envPool: a Go worker, which builds the handler against the
	// master's pool (bridge.ClientFromEnv).
	envPool
	// checkOnly: the master of pre-fork workers, which starts the pool
	// and checks the Go side, serving nothing itself.
	checkOnly
)

// loadGeneration builds cfg's app as mode says: with Python parts, their
// pool is started and loaded first (ownPool, checkOnly), and the Go
// handlers point at it. On an error nothing is left running.
func loadGeneration(ctx context.Context, cfg *Settings, reg *factory.Registry, log zerolog.Logger, mode loadMode) (*generation, error) {
	n, err := resolveApp(cfg, reg)
	if err != nil {
		return nil, err
	}
	opts := cfg.buildOptions()
	g := &generation{}
	if cfg.Python.Enabled() {
		tails, err := opts.Tails(n, reg)
		if err != nil {
			return nil, &SourceError{Err: err, Files: cfg.set.Files()}
		}
		switch mode {
		case envPool:
			if len(tails) > 0 {
				c, ok, err := bridge.ClientFromEnv()
				if err == nil && !ok {
					err = errors.New("python bridge: the plan has Python parts, but the master started no Python pool for this worker")
				}
				if err != nil {
					return nil, err
				}
				g.client = c
			}
		default:
			if g.client, g.pool, err = startPool(ctx, cfg, tails, log); err != nil {
				return nil, err
			}
		}
		if g.client != nil {
			opts.Foreign = foreign{g.client}
		} else {
			opts.Foreign = foreign{} // no tails: never called
		}
	}
	if cfg.AdminBind != "" && mode != checkOnly {
		opts.Child = (&routeMarker{}).child // metrics.go
	}
	if mode == checkOnly {
		err = opts.Check(n, reg)
	} else {
		g.h, err = opts.Handler(n, reg)
	}
	if err != nil {
		g.stopNow(log)
		return nil, &SourceError{Err: err, Files: cfg.set.Files()}
	}
	return g, nil
}

// pythonStopGrace is the least time a pool gets to stop gracefully when
// the drain in front has used up the deadline: gunicorn's workers get
// SIGTERM, and a moment to finish.
const pythonStopGrace = time.Second

// noDeadline stands for graceful_shutdown_timeout = 0 (wait forever)
// in a pool's Stop, which takes a duration.
const noDeadline = 100 * 365 * 24 * time.Hour

// stopNow stops g's pool, if it owns one, with the grace of a failed
// load: nothing has been served through it.
func (g *generation) stopNow(log zerolog.Logger) {
	if g == nil || g.pool == nil {
		return
	}
	if err := g.pool.Stop(pythonStopGrace); err != nil {
		log.Warn().Err(err).Msg("python pool stopped")
	}
}

// retirer stops the pools of generations that a reload replaced, each
// once nothing uses it, and stops what is left of them when the server
// stops.
type retirer struct {
	log  zerolog.Logger
	mu   sync.Mutex
	wg   sync.WaitGroup
	live map[*bridge.Pool]bool
}

// retire stops g's pool once idle says nothing uses it any more
// (polled), then gracefully: gunicorn finishes what it was given. A
// request that never ends must not keep the old pool (its processes,
// its database connections) for ever: past deadline
// (graceful_shutdown_timeout, as for a drain; 0: no limit) the pool is
// stopped all the same, which cuts off what is still in it (Go answers
// those requests 502), and the log says how many requests that was, as
// inflight counts them (nil: the caller cannot count them; a Go worker
// logs its own).
func (r *retirer) retire(g *generation, idle func() bool, inflight func() int64, deadline time.Duration) {
	if g == nil || g.pool == nil {
		return
	}
	r.mu.Lock()
	if r.live == nil {
		r.live = map[*bridge.Pool]bool{}
	}
	r.live[g.pool] = true
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		ctx := context.Background()
		if deadline > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, deadline)
			defer cancel()
		}
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for !idle() && ctx.Err() == nil {
			select {
			case <-tick.C:
			case <-ctx.Done():
			case <-g.pool.Done(): // stopped by stopAll
				return
			}
		}
		// What entered the Go side has left it; what is still in the
		// pool (none, as the Go side waits for its answers) finishes.
		g.client.WaitIdle(ctx)
		// Past the deadline, what is left is cut off, after the grace a
		// pool gets to stop.
		cut, grace := ctx.Err() != nil, max(deadline, pythonStopGrace)
		var n int64
		if cut {
			grace = pythonStopGrace
			if inflight != nil {
				n = inflight()
			}
		}
		err := g.pool.Stop(grace)
		l := r.log.Info()
		if cut || err != nil {
			l = r.log.Warn()
		}
		if cut {
			l = l.Float64("graceful_shutdown_timeout_seconds", deadline.Seconds())
			if inflight != nil {
				l = l.Int64("cut_requests", n)
			}
		}
		l.Err(err).Msg("python pool of the previous configuration stopped")
		r.mu.Lock()
		delete(r.live, g.pool)
		r.mu.Unlock()
	}()
}

// stopAll stops every pool still retiring, within deadline, and waits.
func (r *retirer) stopAll(deadline time.Duration) {
	r.mu.Lock()
	pools := make([]*bridge.Pool, 0, len(r.live))
	for p := range r.live {
		pools = append(pools, p)
	}
	r.mu.Unlock()
	for _, p := range pools {
		p.Stop(max(deadline, pythonStopGrace))
	}
	r.wg.Wait()
}

// remaining is what is left of deadline (0: no limit) since start, for
// the pool that stops after the Go side has drained.
func remaining(deadline time.Duration, start time.Time) time.Duration {
	if deadline == 0 {
		return noDeadline
	}
	return max(deadline-time.Since(start), pythonStopGrace)
}
