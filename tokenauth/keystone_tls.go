package tokenauth

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"os"

	"github.com/pasteserve/pasteserve/options"
)

// keystoneTransport is the HTTP transport auth_token talks to Keystone
// with, configured at build time from keystonemiddleware's TLS options:
// cafile (PEM CAs to trust instead of the system's), certfile and
// keyfile (a client certificate), insecure (no verification; testing
// only). It keeps more idle connections per host than Go's default,
// because every cache miss is a request to the same Keystone. Its
// errors are about the files, each an options.Errorf at its option.
func (o AuthTokenOptions) keystoneTransport() (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	var errs []error
	if path := o.CAFile; path != "" {
		pem, err := os.ReadFile(path)
		pool := x509.NewCertPool()
		switch {
		case err != nil:
			errs = append(errs, options.Errorf("cafile", "%v", err))
		case !pool.AppendCertsFromPEM(pem):
			errs = append(errs, options.Errorf("cafile", "%s holds no PEM certificate", path))
		}
		conf.RootCAs = pool
	}
	if o.CertFile != "" && o.KeyFile != "" {
		pair, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			errs = append(errs, options.Errorf("certfile", "%v", err))
		}
		conf.Certificates = []tls.Certificate{pair}
	}
	conf.InsecureSkipVerify = o.Insecure
	t.TLSClientConfig = conf
	return t, errors.Join(errs...)
}
