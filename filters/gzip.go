package filters

import (
	"compress/gzip"
	"net/http"
	"strings"
	"sync"

	"github.com/pasteserve/pasteserve/options"
)

// GzipOptions are the options of the gzip filter, Paste's gzipper.
type GzipOptions struct {
	// CompressLevel is the gzip compression level, from 1
	// (gzip.BestSpeed, fastest) to 9 (gzip.BestCompression, smallest).
	CompressLevel int `paste:"compress_level,doc=the compression level, 1 (fastest) to 9 (smallest)"`
}

// DefaultGzipOptions are Paste's: compression level 6.
func DefaultGzipOptions() GzipOptions {
	return GzipOptions{CompressLevel: 6}
}

// Validate refuses a level outside 1 to 9.
func (o GzipOptions) Validate() error {
	if o.CompressLevel < gzip.BestSpeed || o.CompressLevel > gzip.BestCompression {
		return options.Errorf("compress_level", "%d is not between 1 and 9", o.CompressLevel)
	}
	return nil
}

// NewGzip returns Paste's gzipper (egg:Paste#gzip): responses to clients
// that accept gzip are compressed, when their Content-Type is text/* or
// application/* (but not a zip or gzip type), as Paste decides.
//
// Left alone, because encoding them would be wrong: 1xx, 204 and 304
// responses (no body), responses that already have a Content-Encoding,
// and partial responses (206, or any response with a Content-Range):
// their Content-Range counts bytes of the unencoded body, so compressing
// the slice would make the range describe bytes that were never sent.
// Paste compresses 206s.
//
// Content-Length is dropped from compressed responses, Vary gets
// Accept-Encoding, Accept-Ranges is dropped (ranges of the encoded body
// are not served) and a strong ETag is made weak (W/"..."), since the
// compressed body is not byte for byte the representation the tag
// names: If-None-Match still matches it, If-Range no longer does. Paste
// keeps both. A 304 to a client that accepts gzip carries the weak tag
// too (RFC 9110 §15.4.5: the validator the 200 would have carried), so
// that a cache can freshen the compressed copy it holds; and a HEAD gets
// the header fields its GET would (§9.3.2), Content-Encoding included,
// with no body.
//
// Compressed responses over TLS can leak secrets they mix with
// attacker-chosen text (BREACH): leave it out of pipelines whose
// responses carry tokens.
func NewGzip(o GzipOptions) (func(http.Handler) http.Handler, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	level := o.CompressLevel
	pool := &sync.Pool{New: func() any {
		zw, _ := gzip.NewWriterLevel(nil, level)
		return zw
	}}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Vary", "Accept-Encoding")
			if !acceptsGzip(r.Header.Get("Accept-Encoding")) {
				next.ServeHTTP(w, r)
				return
			}
			gw := &gzipWriter{responseWriter: responseWriter{ResponseWriter: w}, pool: pool, head: r.Method == http.MethodHead}
			defer gw.close()
			next.ServeHTTP(gw, r)
		})
	}, nil
}

// acceptsGzip reads Accept-Encoding for gzip with a non-zero quality.
func acceptsGzip(header string) bool {
	for rest := header; rest != ""; {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		coding, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q, ok := strings.CutPrefix(strings.TrimSpace(params), "q")
		if !ok {
			return true
		}
		q, ok = strings.CutPrefix(strings.TrimSpace(q), "=")
		return !ok || strings.TrimRight(strings.TrimSpace(q), "0.") != ""
	}
	return false
}

// gzipWriter holds the status line until the first byte of the body
// (or the end of the response) and then decides whether to compress: at
// that point the Content-Type is known, sniffed from the first bytes
// when the handler set none, as the server itself would. A response
// with no body is never encoded.
type gzipWriter struct {
	responseWriter
	pool    *sync.Pool
	zw      *gzip.Writer
	code    int // the status the handler asked for, until decided
	decided bool
	// head: the request is a HEAD, whose answer has the headers of its
	// GET and no body; swallow: a HEAD answered as compressed, whose
	// body bytes (net/http would discard them, but count them into a
	// Content-Length of the unencoded body) are dropped here.
	head, swallow bool
}

func (w *gzipWriter) WriteHeader(code int) {
	switch {
	case w.decided || w.code != 0:
		return // superfluous
	case code < 200:
		w.responseWriter.WriteHeader(code) // 1xx goes out; the final status is still to come
	default:
		w.code = code
	}
}

// decide sends the status line, compressing if first (the first bytes
// of the body, nil for none) and the headers allow it.
func (w *gzipWriter) decide(first []byte) {
	w.decided = true
	code := w.code
	if code == 0 {
		code = http.StatusOK
	}
	h := w.Header()
	switch {
	case code == http.StatusNotModified:
		// The 304 stands for the 200 this client would get, which is
		// compressed unless its type is not (a 304 from ServeContent
		// has no Content-Type: assume it would be).
		if h.Get("Content-Encoding") == "" && (h.Get("Content-Type") == "" || compressible(http.StatusOK, h)) {
			weakenETag(h)
		}
	case len(first) > 0 || w.head && h.Get("Content-Type") != "":
		if _, ok := h["Content-Type"]; !ok {
			h.Set("Content-Type", http.DetectContentType(first))
		}
		if compressible(code, h) {
			h.Set("Content-Encoding", "gzip")
			h.Del("Content-Length")
			h.Del("Accept-Ranges")
			weakenETag(h)
			if w.head {
				w.swallow = true
				break
			}
			w.zw = w.pool.Get().(*gzip.Writer)
			w.zw.Reset(w.ResponseWriter)
		}
	}
	w.responseWriter.WriteHeader(code)
}

// weakenETag makes a strong entity tag weak: W/"x" for "x".
func weakenETag(h http.Header) {
	if etag := h.Get("Etag"); strings.HasPrefix(etag, `"`) {
		h.Set("Etag", "W/"+etag)
	}
}

// compressible reports whether a response with this status and these
// headers may be gzip-encoded: it has a body, is not encoded already,
// is not partial, and its Content-Type is one Paste compresses.
func compressible(code int, h http.Header) bool {
	if code == http.StatusNoContent || code == http.StatusNotModified || code == http.StatusPartialContent {
		return false
	}
	if h.Get("Content-Encoding") != "" || h.Get("Content-Range") != "" {
		return false
	}
	ct := h.Get("Content-Type")
	return (strings.HasPrefix(ct, "text/") || strings.HasPrefix(ct, "application/")) && !strings.Contains(ct, "zip")
}

func (w *gzipWriter) Write(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if !w.decided {
		w.decide(b)
	}
	if w.swallow {
		return len(b), nil
	}
	if w.zw == nil {
		return w.responseWriter.Write(b)
	}
	w.written += int64(len(b))
	return w.zw.Write(b)
}

// Flush sends what is buffered; before any body it sends the status
// line, uncompressed (a stream that flushes first is not buffered to
// be sniffed).
func (w *gzipWriter) Flush() {
	if !w.decided {
		w.decide(nil)
	}
	if w.zw != nil {
		w.zw.Flush()
	}
	w.responseWriter.Flush()
}

// close finishes the response: the status line if nothing was written,
// the gzip trailer if something was compressed.
func (w *gzipWriter) close() {
	if !w.decided && w.code != 0 {
		w.decide(nil)
	}
	if w.zw != nil {
		w.zw.Close()
		w.zw.Reset(nil)
		w.pool.Put(w.zw)
		w.zw = nil
	}
}
