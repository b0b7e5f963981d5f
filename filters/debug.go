package filters

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/pasteserve/pasteserve/redact"
)

// debugOutput is where debug prints; tests replace it.
var debugOutput io.Writer = os.Stdout

// debugMu keeps the lines of concurrent requests apart.
var debugMu sync.Mutex

// DebugOptions are the options of the debug filter: it has none.
type DebugOptions struct{}

// NewDebug returns oslo.middleware's Debug (egg:oslo.middleware#debug):
// it prints each request (method, URL, headers) and its response
// (status, headers, body) to standard output. For development only: it
// holds each response body in memory and prints it. Unlike oslo it masks
// secrets as package redact decides: token and credential headers
// (X-Auth-Token, X-Auth-Key, Cookie, Set-Cookie, ...), secret query
// parameters (?token=, ?password=) and the secret members of JSON and
// form bodies; a body it cannot read as text (binary, or compressed by a
// filter inside it) is not printed, only its size and type.
func NewDebug(DebugOptions) (func(http.Handler) http.Handler, error) {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tee := &teeWriter{responseWriter: responseWriter{ResponseWriter: w}}
			next.ServeHTTP(tee, r)
			var b bytes.Buffer
			fmt.Fprintf(&b, "REQUEST\n%s %s %s\n", r.Method, redact.URL(r.URL.RequestURI()), r.Proto)
			writeHeaders(&b, r.Header)
			fmt.Fprintf(&b, "RESPONSE %d\n", tee.status)
			writeHeaders(&b, w.Header())
			b.WriteString(debugBody(w.Header(), tee.body.Bytes()))
			b.WriteString("\n")
			debugMu.Lock()
			debugOutput.Write(b.Bytes())
			debugMu.Unlock()
		})
	}, nil
}

// writeHeaders writes h in name order, secrets masked.
func writeHeaders(b *bytes.Buffer, h http.Header) {
	for _, l := range redact.SortedHeaders(h) {
		fmt.Fprintf(b, "  %s\n", l)
	}
}

// debugBody is what debug prints of a response body: as redact.Body
// masks it, or, when a filter inside debug encoded it (gzip), a note.
func debugBody(h http.Header, body []byte) string {
	if enc := h.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") && len(body) > 0 {
		media := h.Get("Content-Type")
		if media == "" {
			media = "no Content-Type"
		}
		media, _, _ = strings.Cut(media, ";")
		return fmt.Sprintf("(%d bytes of %s (Content-Encoding %s), not shown)", len(body), media, enc)
	}
	return redact.Body(h.Get("Content-Type"), body)
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
