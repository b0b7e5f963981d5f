package filters

import "net/http"

// responseWriter remembers what a handler did with the response, for
// filters that must act differently once the status line is out
// (catch_errors, sizelimit) or that report it (access_log).
//
// It forwards Flush and offers Unwrap, so http.ResponseController still
// reaches the connection's own writer for hijacking, deadlines and
// flushes.
type responseWriter struct {
	http.ResponseWriter
	status  int   // 0 until WriteHeader or the first Write
	written int64 // body bytes
}

func (w *responseWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.written += int64(n)
	return n, err
}

// Flush sends buffered data on, when the underlying writer can.
func (w *responseWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController find the connection's writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// wroteHeader reports whether the status line has gone out.
func (w *responseWriter) wroteHeader() bool { return w.status != 0 }
