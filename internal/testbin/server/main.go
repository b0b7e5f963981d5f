// Command server is pasteserve with a few test apps compiled in, for the
// server's integration tests, which build it: a custom binary as
// docs/plugins.md shows. It lives outside server/ because it imports cmd,
// which imports server.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	pasteservecmd "github.com/pasteserve/pasteserve/cmd"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/request"

	_ "github.com/pasteserve/pasteserve/builtin"
)

func init() {
	app := func(name string, f func(cfg *factory.Config) http.HandlerFunc) {
		factory.Register(factory.Factory{Name: name, Namespace: "pasteserve", Kind: factory.KindApp, App: func(cfg *factory.Config) (http.Handler, error) {
			h := f(cfg)
			return h, cfg.Err()
		}})
	}
	// test-hello answers "<greeting> pid=<pid> sn=<script name> path=<path>".
	app("test-hello", func(cfg *factory.Config) http.HandlerFunc {
		greeting := cfg.String("greeting", "hello")
		return func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s pid=%d sn=%s path=%s\n", greeting, os.Getpid(), request.ScriptName(r), r.URL.Path)
		}
	})
	// test-slow sleeps ?ms= milliseconds (default delay_ms), then answers.
	app("test-slow", func(cfg *factory.Config) http.HandlerFunc {
		def := cfg.Int("delay_ms", 1000)
		return func(w http.ResponseWriter, r *http.Request) {
			ms := def
			if v, err := strconv.Atoi(r.URL.Query().Get("ms")); err == nil {
				ms = v
			}
			time.Sleep(time.Duration(ms) * time.Millisecond)
			fmt.Fprintf(w, "slept %dms pid=%d\n", ms, os.Getpid())
		}
	})
	app("test-panic", func(cfg *factory.Config) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { panic("test-panic: deliberate") }
	})
	// test-headers lists the request headers it got, one per line.
	app("test-headers", func(cfg *factory.Config) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			for k, v := range r.Header {
				fmt.Fprintf(w, "%s: %s\n", k, strings.Join(v, ","))
			}
		}
	})
	// test-start is test-hello with a troubled start, for the worker
	// tests: building it first sleeps start_delay_ms; then, while the
	// file crash_file holds a number above 0, it counts that number down,
	// appends the time (Unix nanoseconds) to crash_file.log and exits the
	// process with status 3, as a worker that dies at start would. With
	// crash_only_in_workers, the master (which builds the pipeline too,
	// to check it) never crashes.
	app("test-start", func(cfg *factory.Config) http.HandlerFunc {
		time.Sleep(time.Duration(cfg.Int("start_delay_ms", 0)) * time.Millisecond)
		worker := os.Getenv("PASTESERVE_WORKER") == "1"
		if name := cfg.String("crash_file", ""); name != "" && (worker || !cfg.Bool("crash_only_in_workers", false)) {
			crashIfAsked(name)
		}
		return func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "started pid=%d\n", os.Getpid())
		}
	})
	// test-stream answers ?kb= kilobytes (default 16384) through Write
	// calls of 32 KB, not sendfile: byte i of the body is i % 251. The
	// Content-Length is set, so a client can tell a cut response.
	app("test-stream", func(cfg *factory.Config) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			kb := 16384
			if v, err := strconv.Atoi(r.URL.Query().Get("kb")); err == nil {
				kb = v
			}
			w.Header().Set("Content-Length", strconv.Itoa(kb<<10))
			buf := make([]byte, 32<<10)
			for left, off := kb<<10, 0; left > 0; {
				n := min(left, len(buf))
				for i := range n {
					buf[i] = byte((off + i) % 251)
				}
				if _, err := w.Write(buf[:n]); err != nil {
					return
				}
				left, off = left-n, off+n
			}
		}
	})
	// test-body reads the body and answers with its length.
	app("test-body", func(cfg *factory.Config) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			n, err := io.Copy(io.Discard, r.Body)
			fmt.Fprintf(w, "read %d bytes, err=%v\n", n, err)
		}
	})
}

// test-delay is a filter that holds a request ?delay_ms= milliseconds
// before passing it on: for the Python tests, a request that is in the
// Go side of a generation when a reload replaces it, and a filter only
// Go has (egg:pasteserve#test-delay) in front of a Python tail.
func init() {
	factory.Register(factory.Factory{Name: "test-delay", Namespace: "pasteserve", Kind: factory.KindFilter,
		Filter: func(cfg *factory.Config) (factory.Middleware, error) {
			return func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if ms, err := strconv.Atoi(r.URL.Query().Get("delay_ms")); err == nil {
						time.Sleep(time.Duration(ms) * time.Millisecond)
					}
					next.ServeHTTP(w, r)
				})
			}, nil
		}})
}

// Stand-ins for the neutron-specific pieces of neutron's api-paste.ini,
// so the real file can be served: the v2 API router and the extensions
// filter. Everything else in the file is pasteserve's own.
func init() {
	factory.Register(factory.Factory{Name: "test-neutron-router", Namespace: "pasteserve", Kind: factory.KindApp,
		Aliases: []string{"neutron.api.v2.router:APIRouter.factory"},
		App: func(cfg *factory.Config) (http.Handler, error) {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/networks" {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"networks": [], "project": %q}`, r.Header.Get("X-Project-Id"))
			}), nil
		}})
	factory.Register(factory.Factory{Name: "test-neutron-extensions", Namespace: "pasteserve", Kind: factory.KindFilter,
		Aliases: []string{"neutron.api.extensions:plugin_aware_extension_middleware_factory"},
		Filter: func(cfg *factory.Config) (factory.Middleware, error) {
			return func(next http.Handler) http.Handler { return next }, nil
		}})
}

// Stand-ins for the nova-specific pieces of nova's api-paste.ini: the
// v2.1 API router, the legacy v2 wrapper and the metadata app. The
// urlmap, versions apps, fault wrapper, request log, request ids, cors,
// sizelimit, osprofiler, auth_token and keystonecontext are pasteserve's.
func init() {
	// The router answers GET /<project>/servers with an empty list and
	// the identity keystonecontext gave the request; /<project>/panic
	// panics, for the fault wrapper.
	factory.Register(factory.Factory{Name: "test-nova-router", Namespace: "pasteserve", Kind: factory.KindApp,
		Aliases: []string{"nova.api.openstack.compute:APIRouterV21.factory"},
		App: func(cfg *factory.Config) (http.Handler, error) {
			return projectRouter("servers"), nil
		}})
	// nova's LegacyV2CompatibleWrapper marks the request as a legacy v2
	// one (and hides microversions); the stand-in only marks it.
	factory.Register(factory.Factory{Name: "test-nova-legacy-v2", Namespace: "pasteserve", Kind: factory.KindFilter,
		Aliases: []string{"nova.api.openstack:LegacyV2CompatibleWrapper.factory"},
		Filter: func(cfg *factory.Config) (factory.Middleware, error) {
			return func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), legacyV2Key{}, true)))
				})
			}, nil
		}})
	// The metadata service lists its versions at /.
	factory.Register(factory.Factory{Name: "test-nova-metadata", Namespace: "pasteserve", Kind: factory.KindApp,
		Aliases: []string{"nova.api.metadata.handler:MetadataRequestHandler.factory"},
		App: func(cfg *factory.Config) (http.Handler, error) {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/" {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "text/plain")
				io.WriteString(w, "1.0\nlatest")
			}), nil
		}})
}

// Stand-in for the cinder-specific piece of cinder's api-paste.ini: the
// v3 API router. Everything else in the file is pasteserve's.
func init() {
	factory.Register(factory.Factory{Name: "test-cinder-router", Namespace: "pasteserve", Kind: factory.KindApp,
		Aliases: []string{"cinder.api.v3.router:APIRouter.factory"},
		App: func(cfg *factory.Config) (http.Handler, error) {
			return projectRouter("volumes"), nil
		}})
}

type legacyV2Key struct{}

// projectRouter answers /<project>/<collection>: GET with an empty list,
// POST with 202 and the length of the body it read; both with the
// identity the request acts as and the project in the path.
// /<project>/panic panics.
func projectRouter(collection string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if len(parts) != 2 {
			http.NotFound(w, r)
			return
		}
		if parts[1] == "panic" {
			panic("test router: deliberate panic")
		}
		if parts[1] != collection {
			http.NotFound(w, r)
			return
		}
		out := map[string]any{"path_project": parts[0], "legacy_v2": r.Context().Value(legacyV2Key{}) != nil}
		if id, ok := request.IdentityFrom(r.Context()); ok {
			out["user_id"], out["project_id"], out["roles"], out["is_admin"] = id.UserID, id.ProjectID, id.Roles, id.IsAdmin
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.Method {
		case http.MethodGet:
			out[collection] = []any{}
		case http.MethodPost:
			n, err := io.Copy(io.Discard, r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			out["read"] = n
			w.WriteHeader(http.StatusAccepted)
		default:
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		json.NewEncoder(w).Encode(out)
	})
}

// crashIfAsked exits the process if the file name holds a number above
// 0, after writing it back less one and logging the time to name.log.
func crashIfAsked(name string) {
	b, err := os.ReadFile(name)
	if err != nil {
		return
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n <= 0 {
		return
	}
	if err := os.WriteFile(name, []byte(strconv.Itoa(n-1)), 0o644); err != nil {
		return
	}
	if f, err := os.OpenFile(name+".log", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
		fmt.Fprintln(f, time.Now().UnixNano())
		f.Close()
	}
	os.Exit(3)
}

func main() {
	os.Exit(pasteservecmd.Main(os.Args[1:], os.Stdout, os.Stderr))
}
