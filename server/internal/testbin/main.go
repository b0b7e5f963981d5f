// Command testbin is pasteserve with a few test apps compiled in, for the
// server's integration tests: a custom binary as docs/plugins.md shows.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	pasteservecmd "github.com/pasteserve/pasteserve/cmd"
	"github.com/pasteserve/pasteserve/loader"

	_ "github.com/pasteserve/pasteserve/apps"
)

func init() {
	app := func(name string, f func(cfg *loader.Config) http.HandlerFunc) {
		loader.Register(loader.Factory{Name: name, Kind: loader.KindApp, App: func(cfg *loader.Config) (http.Handler, error) {
			h := f(cfg)
			return h, cfg.Err()
		}})
	}
	// test-hello answers "<greeting> pid=<pid> sn=<script name> path=<path>".
	app("test-hello", func(cfg *loader.Config) http.HandlerFunc {
		greeting := cfg.String("greeting", "hello")
		return func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s pid=%d sn=%s path=%s\n", greeting, os.Getpid(), loader.ScriptName(r), r.URL.Path)
		}
	})
	// test-slow sleeps ?ms= milliseconds (default delay_ms), then answers.
	app("test-slow", func(cfg *loader.Config) http.HandlerFunc {
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
	app("test-panic", func(cfg *loader.Config) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { panic("test-panic: deliberate") }
	})
	// test-headers lists the request headers it got, one per line.
	app("test-headers", func(cfg *loader.Config) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			for k, v := range r.Header {
				fmt.Fprintf(w, "%s: %s\n", k, strings.Join(v, ","))
			}
		}
	})
	// test-body reads the body and answers with its length.
	app("test-body", func(cfg *loader.Config) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			n, err := io.Copy(io.Discard, r.Body)
			fmt.Fprintf(w, "read %d bytes, err=%v\n", n, err)
		}
	})
}

// Stand-ins for the neutron-specific pieces of neutron's api-paste.ini,
// so the real file can be served: the v2 API router and the extensions
// filter. Everything else in the file is pasteserve's own.
func init() {
	loader.Register(loader.Factory{Name: "test-neutron-router", Kind: loader.KindApp,
		Aliases: []string{"neutron.api.v2.router:APIRouter.factory"},
		App: func(cfg *loader.Config) (http.Handler, error) {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/networks" {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"networks": [], "project": %q}`, r.Header.Get("X-Project-Id"))
			}), nil
		}})
	loader.Register(loader.Factory{Name: "test-neutron-extensions", Kind: loader.KindFilter,
		Aliases: []string{"neutron.api.extensions:plugin_aware_extension_middleware_factory"},
		Filter: func(cfg *loader.Config) (loader.Middleware, error) {
			return func(next http.Handler) http.Handler { return next }, nil
		}})
}

func main() {
	os.Exit(pasteservecmd.Main(os.Args[1:], os.Stdout, os.Stderr))
}
