package filters

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/pasteserve/pasteserve/factory"
)

// ErrorDocument is the errordocument factory. Every option is a status
// code mapped to a path (with an optional query) of the app.
//
// errordocument is Paste's errordocument (egg:Paste#errordocument, a
// filter-app factory): for the status codes it lists, the app's own
// error body is replaced by a page the same app serves, fetched with an
// internal GET, while the status stays the original one:
//
//	[filter-app:main]
//	use = egg:Paste#errordocument
//	next = site
//	404 = /errors/not-found.html
//	500 = /errors/oops.html
//
// The page is fetched from the app below the filter, with the original
// request's headers and context, and is not itself replaced if it fails
// with a listed status (no loops).
func ErrorDocument(cfg *factory.Config) (factory.Middleware, error) {
	pages := map[int]string{}
	for _, k := range sortedConfigKeys(cfg) {
		code, err := strconv.Atoi(k)
		if err != nil || code < 400 || code > 599 {
			cfg.Errorf(k, "bad status code %q: errordocument keys are error statuses (400-599) mapped to paths", k)
			continue
		}
		if v := cfg.Local[k]; !strings.HasPrefix(v, "/") {
			cfg.Errorf(k, "%q is not a path starting with /", v)
			continue
		}
		pages[code] = cfg.Local[k]
	}
	if err := cfg.Err(); err != nil {
		return nil, err
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ew := &errorDocWriter{responseWriter: responseWriter{ResponseWriter: w}, pages: pages}
			next.ServeHTTP(ew, r)
			if ew.page == "" {
				return
			}
			// Fetch the page into memory, then send it with the original
			// status.
			page := &bufferedResponse{header: http.Header{}}
			r2 := r.Clone(r.Context())
			r2.Method, r2.Body, r2.ContentLength = http.MethodGet, http.NoBody, 0
			path, query, _ := strings.Cut(ew.page, "?")
			r2.URL.Path, r2.URL.RawPath, r2.URL.RawQuery = path, "", query
			r2.Header.Del("If-None-Match")
			r2.Header.Del("If-Modified-Since")
			next.ServeHTTP(page, r2)
			h := w.Header()
			for _, k := range []string{"Content-Type", "Content-Length", "Content-Encoding"} {
				h.Del(k)
				if v := page.header.Get(k); v != "" {
					h.Set(k, v)
				}
			}
			h.Set("Content-Length", strconv.Itoa(page.body.Len()))
			w.WriteHeader(ew.status)
			if r.Method != http.MethodHead {
				w.Write(page.body.Bytes())
			}
		})
	}, nil
}

func sortedConfigKeys(cfg *factory.Config) []string {
	keys := make([]string, 0, len(cfg.Local))
	for k := range cfg.Local {
		keys = append(keys, k)
	}
	// Positions give file order, so errors come out in it.
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && cfg.Pos(keys[j]).Before(cfg.Pos(keys[j-1])); j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// errorDocWriter swallows a response whose status has a page, and
// remembers the page to fetch.
type errorDocWriter struct {
	responseWriter
	pages map[int]string
	page  string
}

func (w *errorDocWriter) WriteHeader(code int) {
	if w.status == 0 {
		if p, ok := w.pages[code]; ok {
			w.status, w.page = code, p
			return
		}
	}
	if w.page == "" {
		w.responseWriter.WriteHeader(code)
	}
}

func (w *errorDocWriter) Write(b []byte) (int, error) {
	if w.page != "" {
		return len(b), nil
	}
	return w.responseWriter.Write(b)
}

func (w *errorDocWriter) Flush() {
	if w.page == "" {
		w.responseWriter.Flush()
	}
}

// bufferedResponse holds a whole response in memory.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
