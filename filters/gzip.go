package filters

import (
	"compress/gzip"
	"net/http"
	"strings"
	"sync"

	"github.com/pasteserve/pasteserve/loader"
)

// gzip is Paste's gzipper (egg:Paste#gzip): responses to clients that
// accept gzip are compressed. Responses that are already encoded, have
// no body (HEAD, 1xx, 204, 304) are left alone; Content-Length is
// dropped from compressed ones, and Vary gets Accept-Encoding. Compressed
// responses over TLS can leak secrets they mix with attacker-chosen
// text (BREACH): leave it out of pipelines whose responses carry tokens.
func init() {
	loader.Register(loader.Factory{
		Name:    "gzip",
		Aliases: []string{"egg:Paste#gzip", "glance.api.middleware.gzip:GzipMiddleware.factory"},
		Kind:    loader.KindFilter,
		Doc:     "gzip-compresses responses for clients that accept it (Paste's gzipper)",
		Filter:  Gzip,
	})
}

// Gzip is the gzip factory. Option: compress_level, 1 (fastest) to 9
// (smallest), default 6 as Paste.
func Gzip(cfg *loader.Config) (loader.Middleware, error) {
	level := cfg.Int("compress_level", 6)
	if level < gzip.BestSpeed || level > gzip.BestCompression {
		cfg.Errorf("compress_level", "%d is not between 1 and 9", level)
	}
	if err := cfg.Err(); err != nil {
		return nil, err
	}
	pool := &sync.Pool{New: func() any {
		zw, _ := gzip.NewWriterLevel(nil, level)
		return zw
	}}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Vary", "Accept-Encoding")
			if r.Method == http.MethodHead || !acceptsGzip(r.Header.Get("Accept-Encoding")) {
				next.ServeHTTP(w, r)
				return
			}
			gw := &gzipWriter{responseWriter: responseWriter{ResponseWriter: w}, pool: pool}
			defer gw.close()
			next.ServeHTTP(gw, r)
		})
	}, nil
}

// acceptsGzip reads Accept-Encoding for gzip with a non-zero quality.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		params = strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return params != "q=0" && params != "q=0.0" && params != "q=0.00" && params != "q=0.000"
	}
	return false
}

// gzipWriter decides at the status line whether to compress, and then
// compresses what the handler writes.
type gzipWriter struct {
	responseWriter
	pool    *sync.Pool
	zw      *gzip.Writer
	decided bool
}

func (w *gzipWriter) WriteHeader(code int) {
	if !w.decided {
		w.decided = true
		h := w.Header()
		if code >= 200 && code != http.StatusNoContent && code != http.StatusNotModified && h.Get("Content-Encoding") == "" {
			h.Set("Content-Encoding", "gzip")
			h.Del("Content-Length")
			w.zw = w.pool.Get().(*gzip.Writer)
			w.zw.Reset(w.ResponseWriter)
		}
	}
	w.responseWriter.WriteHeader(code)
}

func (w *gzipWriter) Write(b []byte) (int, error) {
	if !w.decided {
		w.WriteHeader(http.StatusOK)
	}
	if w.zw == nil {
		return w.responseWriter.Write(b)
	}
	w.written += int64(len(b))
	return w.zw.Write(b)
}

func (w *gzipWriter) Flush() {
	if w.zw != nil {
		w.zw.Flush()
	}
	w.responseWriter.Flush()
}

func (w *gzipWriter) close() {
	if w.zw != nil {
		w.zw.Close()
		w.zw.Reset(nil)
		w.pool.Put(w.zw)
		w.zw = nil
	}
}
