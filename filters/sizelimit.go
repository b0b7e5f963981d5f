package filters

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/pasteserve/pasteserve/fault"
	"github.com/pasteserve/pasteserve/options"
)

// DefaultMaxRequestBodySize is oslo's default max_request_body_size.
const DefaultMaxRequestBodySize = 114688

// SizeLimitOptions are the options of the sizelimit filter, oslo's
// [oslo_middleware] max_request_body_size.
type SizeLimitOptions struct {
	// MaxRequestBodySize is the largest request body, in bytes, that a
	// request may carry.
	MaxRequestBodySize int64 `paste:"max_request_body_size,group=oslo_middleware,doc=the largest request body, in bytes, a request may carry"`
}

// DefaultSizeLimitOptions are oslo's: 114688 bytes (112 KiB).
func DefaultSizeLimitOptions() SizeLimitOptions {
	return SizeLimitOptions{MaxRequestBodySize: DefaultMaxRequestBodySize}
}

// Validate refuses a negative size.
func (o SizeLimitOptions) Validate() error {
	if o.MaxRequestBodySize < 0 {
		return options.Errorf("max_request_body_size", "%d is negative (a size in bytes)", o.MaxRequestBodySize)
	}
	return nil
}

// NewSizeLimit returns oslo.middleware's RequestBodySizeLimiter
// (egg:oslo.middleware#sizelimit): a request body larger than
// max_request_body_size (default 114688 bytes, 112 KiB) is refused with
// 413 Request Entity Too Large, so one client cannot make a service
// parse a huge document. From a paste file, the size is read from the
// section and then from the [oslo_middleware] group.
//
// A declared Content-Length over the limit is refused before the app
// runs. A body of unknown length (chunked) is counted as the app reads
// it; the read that passes the limit fails with *http.MaxBytesError and,
// if the app has not yet answered, whatever it answers is replaced by the
// 413, as oslo's LimitingReader raises 413 out of the app. The server
// closes the connection after such a response rather than read the rest.
func NewSizeLimit(o SizeLimitOptions) (func(http.Handler) http.Handler, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	limit := o.MaxRequestBodySize
	message := fmt.Sprintf("Request is too large. Larger than max_request_body_size (%d).", limit)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > limit {
				fault.Write(w, r, http.StatusRequestEntityTooLarge, message)
				return
			}
			if r.ContentLength >= 0 || r.Body == nil || r.Body == http.NoBody {
				next.ServeHTTP(w, r)
				return
			}
			lw := &limitWriter{responseWriter: responseWriter{ResponseWriter: w}, r: r, message: message}
			r2 := *r
			r2.Body = &limitBody{ReadCloser: http.MaxBytesReader(w, r.Body, limit), w: lw}
			next.ServeHTTP(lw, &r2)
			if lw.tripped && !lw.wroteHeader() {
				lw.writeTooLarge()
			}
		})
	}, nil
}

// limitBody notes on the writer that the limit was passed.
type limitBody struct {
	io.ReadCloser
	w *limitWriter
}

func (b *limitBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var tooLarge *http.MaxBytesError
	if err != nil && errors.As(err, &tooLarge) {
		b.w.tripped = true
	}
	return n, err
}

// limitWriter replaces the app's answer with the 413 once the body has
// passed the limit, if the status line has not gone out yet.
type limitWriter struct {
	responseWriter
	r        *http.Request
	message  string
	tripped  bool
	replaced bool
}

func (w *limitWriter) writeTooLarge() {
	w.replaced = true
	w.status = http.StatusRequestEntityTooLarge
	fault.Write(w.ResponseWriter, w.r, http.StatusRequestEntityTooLarge, w.message)
}

func (w *limitWriter) WriteHeader(code int) {
	if w.replaced {
		return
	}
	if w.tripped && !w.wroteHeader() {
		w.writeTooLarge()
		return
	}
	w.responseWriter.WriteHeader(code)
}

func (w *limitWriter) Write(b []byte) (int, error) {
	if w.tripped && !w.wroteHeader() {
		w.writeTooLarge()
	}
	if w.replaced {
		return len(b), nil
	}
	return w.responseWriter.Write(b)
}
