// Command parity is pasteserve with the parity test's terminal apps
// compiled in: the Go twins of internal/parity/testdata/python/parityapp,
// registered under the same references (egg:parityapp#echo,
// egg:parityapp#raise), so that both stacks serve the very same paste
// files. internal/parity builds it.
package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"

	pasteservecmd "github.com/pasteserve/pasteserve/cmd"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/request"

	_ "github.com/pasteserve/pasteserve/builtin"
)

func init() {
	factory.Register(factory.Factory{Name: "parity-echo", Namespace: "pasteserve", Kind: factory.KindApp,
		Aliases: []string{"egg:parityapp#echo"},
		Doc:     "parity test: answers with what it saw, as parityapp.echo does",
		App: func(cfg *factory.Config) (http.Handler, error) {
			return http.HandlerFunc(echo), cfg.Err()
		}})
	factory.Register(factory.Factory{Name: "parity-raise", Namespace: "pasteserve", Kind: factory.KindApp,
		Aliases: []string{"egg:parityapp#raise"},
		Doc:     "parity test: fails, as parityapp.raise_app does",
		App: func(cfg *factory.Config) (http.Handler, error) {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				panic("parity: deliberate failure")
			}), cfg.Err()
		}})
}

// echo is parityapp.echo: what a WSGI app would see in its environ,
// as one line of JSON with sorted keys. Query parameters status, type
// and encoding set the response's status, Content-Type and
// Content-Encoding.
func echo(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	code := http.StatusOK
	if s := q.Get("status"); s != "" {
		code, _ = strconv.Atoi(s)
	}
	ctype := "application/json"
	if t := q.Get("type"); t != "" {
		ctype = t
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		// The Python app raises out of the read (sizelimit's 413);
		// the sizelimit filter replaces whatever is answered here.
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	headers := map[string]string{}
	for k, v := range r.Header {
		switch k {
		case "Content-Type", "Content-Length":
			continue // CONTENT_TYPE, CONTENT_LENGTH
		}
		headers["HTTP_"+strings.ToUpper(strings.ReplaceAll(k, "-", "_"))] = strings.Join(v, ",")
	}
	if len(r.TransferEncoding) > 0 {
		headers["HTTP_TRANSFER_ENCODING"] = strings.Join(r.TransferEncoding, ",")
	}
	remote := r.RemoteAddr
	if h, _, err := net.SplitHostPort(remote); err == nil {
		remote = h
	}
	seen := map[string]any{
		"method":            r.Method,
		"script_name":       request.ScriptName(r),
		"path_info":         r.URL.Path,
		"query_string":      r.URL.RawQuery,
		"url_scheme":        request.Scheme(r),
		"host":              r.Host,
		"remote_addr":       remote,
		"content_length":    r.Header.Get("Content-Length"),
		"application_url":   request.ApplicationURL(r),
		"request_id":        request.ID(r.Context()),
		"global_request_id": request.GlobalID(r.Context()),
		"headers":           headers,
		"body":              string(bytes.ToValidUTF8(body, []byte("\uFFFD"))),
	}
	var out bytes.Buffer
	if code != http.StatusNoContent && code != http.StatusNotModified {
		enc := json.NewEncoder(&out)
		enc.SetEscapeHTML(false)
		enc.Encode(seen)
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(out.Len()))
	if e, ok := q["encoding"]; ok {
		w.Header().Set("Content-Encoding", e[0])
	}
	w.WriteHeader(code)
	w.Write(out.Bytes())
}

func main() {
	os.Exit(pasteservecmd.Main(os.Args[1:], os.Stdout, os.Stderr))
}
