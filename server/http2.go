package server

import (
	"net/http"
	"time"
)

// HTTP/2 is net/http's own: over TLS it is negotiated by ALPN ("h2"),
// on unless http2 = false; without TLS it is served only with h2c =
// true, to clients that know in advance (RFC 9113 §3.3, "prior
// knowledge"), as a load balancer in front of the server does. There is
// no Upgrade: h2c (RFC 9113 removed it).
//
// The limits that HTTP/1 gets from the connection and from guard hold
// for HTTP/2 too, per stream: every stream passes through guard (431,
// 503, stallLimit), and the connection through wireConn (the
// no-progress limit on the socket). What HTTP/2 adds is set here,
// explicitly rather than by net/http's defaults, so that docs/server.md
// can say what they are:
//
//   - SETTINGS_MAX_CONCURRENT_STREAMS is http2_max_concurrent_streams
//     (net/http would say 250). A client that opens more gets its extra
//     streams refused by net/http; the streams within it still meet the
//     pool limit, which is per process, not per connection.
//   - SETTINGS_MAX_HEADER_LIST_SIZE is net/http's, from MaxHeaderBytes:
//     headerCeiling(max_header_size) plus 320 bytes (HPACK counts 32
//     bytes more per field than HTTP/1 does). A header block past it is
//     answered 431 by net/http without running a handler; one within it
//     but over max_header_size or with a field longer than
//     max_header_line gets headerLimits' 431, as over HTTP/1.
//   - the HPACK table and frame sizes, and the receive windows (how
//     much of a request body a client may send before the handler reads
//     it), are written out at net/http's values, which bound what one
//     stream and one connection make the server hold.
//   - http2_read_idle_timeout: a connection on which nothing has come
//     for that long is sent a PING, and closed if no answer comes within
//     http2PingTimeout; 0 (the default) sends none, and idle_timeout
//     closes idle connections as over HTTP/1.
//
// net/http's WriteByteTimeout (a connection that accepts no byte) is
// left unset: wireConn already cuts such a connection after the
// no-progress limit, below TLS, for HTTP/1 and HTTP/2 alike.
func http2Config(o Options) *http.HTTP2Config {
	return &http.HTTP2Config{
		MaxConcurrentStreams:          o.HTTP2MaxStreams,
		MaxDecoderHeaderTableSize:     http2HeaderTableSize,
		MaxEncoderHeaderTableSize:     http2HeaderTableSize,
		MaxReadFrameSize:              http2MaxReadFrameSize,
		MaxReceiveBufferPerConnection: http2ReceiveWindow,
		MaxReceiveBufferPerStream:     http2ReceiveWindow,
		SendPingTimeout:               o.HTTP2ReadIdleTimeout,
		PingTimeout:                   http2PingTimeout,
	}
}

const (
	// http2HeaderTableSize is the HPACK dynamic table size, each way
	// (RFC 7541's default): what a client's headers may make the
	// server keep between requests on a connection.
	http2HeaderTableSize = 4096
	// http2MaxReadFrameSize is the largest frame the server reads.
	http2MaxReadFrameSize = 1 << 20
	// http2ReceiveWindow is the flow-control window the server grants
	// for request bodies, per stream and per connection.
	http2ReceiveWindow = 1 << 20
	// http2PingTimeout is how long an answer to a PING may take.
	http2PingTimeout = 15 * time.Second
)

// http2MaxHeaderListSize is the SETTINGS_MAX_HEADER_LIST_SIZE net/http
// advertises for max_header_size (see http2Config).
func http2MaxHeaderListSize(maxHeaderSize int) int {
	return headerCeiling(maxHeaderSize) + 10*32
}

// protocols is what the server speaks: HTTP/1 always; HTTP/2 over TLS
// unless http2 = false; HTTP/2 without TLS (prior knowledge) with h2c.
func protocols(o Options) *http.Protocols {
	p := &http.Protocols{}
	p.SetHTTP1(true)
	p.SetHTTP2(o.HTTP2)
	p.SetUnencryptedHTTP2(o.H2C)
	return p
}
