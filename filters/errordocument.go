package filters

import (
	"bytes"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/pasteserve/pasteserve/options"
)

// ErrorDocumentOptions are the options of the errordocument filter. In a
// paste file every key of its section is a status code and its value a
// path: 404 = /errors/not-found.html.
type ErrorDocumentOptions struct {
	// Pages maps an error status (400 to 599) to the path, with an
	// optional ?query, of the app's page for it.
	Pages map[int]string
}

// Validate refuses a status that is not an error (400 to 599) and a page
// that is not a path starting with /. Each error is about the status
// code, which is the option's name in a paste file.
func (o ErrorDocumentOptions) Validate() error {
	codes := make([]int, 0, len(o.Pages))
	for code := range o.Pages {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	var errs []error
	for _, code := range codes {
		key := strconv.Itoa(code)
		switch p := o.Pages[code]; {
		case code < 400 || code > 599:
			errs = append(errs, options.Errorf(key, "bad status code %q: errordocument keys are error statuses (400-599) mapped to paths", key))
		case !strings.HasPrefix(p, "/"):
			errs = append(errs, options.Errorf(key, "%q is not a path starting with /", p))
		}
	}
	return errors.Join(errs...)
}

// NewErrorDocument returns Paste's errordocument
// (egg:Paste#errordocument, a filter-app factory): for the status codes
// it lists, the app's own error body is replaced by a page the same app
// serves, fetched with an internal GET, while the status stays the
// original one:
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
func NewErrorDocument(o ErrorDocumentOptions) (func(http.Handler) http.Handler, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	pages := maps.Clone(o.Pages)
	if pages == nil {
		pages = map[int]string{}
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
