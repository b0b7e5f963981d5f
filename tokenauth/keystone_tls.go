package tokenauth

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
)

// keystoneTransport is the HTTP transport auth_token talks to Keystone
// with, configured at build time from keystonemiddleware's TLS options:
// cafile (PEM CAs to trust instead of the system's), certfile and
// keyfile (a client certificate), insecure (no verification; testing
// only). It keeps more idle connections per host than Go's default,
// because every cache miss is a request to the same Keystone.
func keystoneTransport(o optionSource) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if path := o.str("", "cafile"); path != "" {
		pem, err := os.ReadFile(path)
		pool := x509.NewCertPool()
		switch {
		case err != nil:
			o.errorf("cafile", "%v", err)
		case !pool.AppendCertsFromPEM(pem):
			o.errorf("cafile", "%s holds no PEM certificate", path)
		}
		conf.RootCAs = pool
	}
	cert, key := o.str("", "certfile"), o.str("", "keyfile")
	switch {
	case cert != "" && key != "":
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			o.errorf("certfile", "%v", err)
		}
		conf.Certificates = []tls.Certificate{pair}
	case cert != "":
		o.errorf("keyfile", "is required with certfile")
	case key != "":
		o.errorf("certfile", "is required with keyfile")
	}
	conf.InsecureSkipVerify = o.boolean(false, "insecure")
	t.TLSClientConfig = conf
	return t
}
