package filters

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/pasteserve/pasteserve/loader"
)

// debug is oslo.middleware's Debug: it prints each request (method, URL,
// headers) and its response (status, headers, body) to standard output.
// For development only: it holds each response body in memory and
// prints it. Unlike oslo it masks token and credential headers (see
// catch_errors).
func init() {
	loader.Register(loader.Factory{
		Name: "debug",
		Aliases: []string{
			"egg:oslo.middleware#debug",
			"oslo_middleware:Debug.factory",
			"oslo_middleware.debug:Debug.factory",
		},
		Kind:   loader.KindFilter,
		Doc:    "development only: prints requests and responses, bodies included, to standard output",
		Filter: Debug,
	})
}

// debugOutput is where debug prints; tests replace it.
var debugOutput io.Writer = os.Stdout

// debugMu keeps the lines of concurrent requests apart.
var debugMu sync.Mutex

// Debug is the debug factory; it has no options.
func Debug(cfg *loader.Config) (loader.Middleware, error) {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tee := &teeWriter{responseWriter: responseWriter{ResponseWriter: w}}
			next.ServeHTTP(tee, r)
			var b bytes.Buffer
			fmt.Fprintf(&b, "REQUEST\n%s %s %s\n", r.Method, r.URL.RequestURI(), r.Proto)
			writeSortedHeaders(&b, maskedHeaders(r.Header))
			fmt.Fprintf(&b, "RESPONSE %d\n", tee.status)
			resp := map[string]string{}
			for k, v := range w.Header() {
				resp[k] = strings.Join(v, ", ")
			}
			writeSortedHeaders(&b, resp)
			b.Write(tee.body.Bytes())
			b.WriteString("\n")
			debugMu.Lock()
			debugOutput.Write(b.Bytes())
			debugMu.Unlock()
		})
	}, cfg.Err()
}

func writeSortedHeaders(b *bytes.Buffer, h map[string]string) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(b, "  %s: %s\n", k, h[k])
	}
}

// teeWriter keeps a copy of the body it passes on.
type teeWriter struct {
	responseWriter
	body bytes.Buffer
}

func (w *teeWriter) Write(p []byte) (int, error) {
	w.body.Write(p)
	return w.responseWriter.Write(p)
}
