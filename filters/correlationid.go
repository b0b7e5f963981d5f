package filters

import (
	"net/http"

	"github.com/pasteserve/pasteserve/request"
)

// CorrelationIDHeader is the request header correlation_id fills in.
const CorrelationIDHeader = "X-Correlation-Id"

// CorrelationIDOptions are the options of the correlation_id filter: it
// has none.
type CorrelationIDOptions struct{}

// NewCorrelationID returns oslo.middleware's CorrelationId
// (egg:oslo.middleware#correlation_id): a request without
// an X-Correlation-Id header gets one, a new uuid4
// ("7d3f0c52-..."), so the apps behind it (and the services they call
// with it) can tie their work on one request together. A request that
// carries one keeps it, whatever it is; nothing is added to the
// response. As in oslo 5.0, the id is not checked or logged: it is the
// client's text, so do not log it unescaped. For ids that are checked,
// logged and returned to the client, use request_id.
func NewCorrelationID(CorrelationIDOptions) (func(http.Handler) http.Handler, error) {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// oslo sets the WSGI environ's HTTP_X_CORRELATION_ID in place,
			// for every layer after it; the request's own header map is
			// the same thing here. An empty value is replaced, as
			// oslo's "get(...) or generate_uuid()" does.
			if r.Header.Get(CorrelationIDHeader) == "" {
				r.Header.Set(CorrelationIDHeader, request.NewID()[len("req-"):])
			}
			next.ServeHTTP(w, r)
		})
	}, nil
}
