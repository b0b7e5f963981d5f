package server

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// tlsSettings holds the TLS configuration in use. Handshakes read it
// through GetConfigForClient, so reload can swap in new certificates and
// CAs without touching open connections: they keep the keys they
// negotiated, and the next handshake uses the new ones.
type tlsSettings struct {
	current atomic.Pointer[tls.Config]
	// http2 is the http2 option as the server started: whether ALPN
	// offers h2 is fixed with the server (a reload that changes it
	// only logs that it needs a restart).
	http2 bool
}

// newTLS loads the certificate, key and CAs named in o. Unreadable or
// mismatched files are an error now, at start, not at the first client.
func newTLS(o Options) (*tlsSettings, error) {
	t := &tlsSettings{http2: o.HTTP2}
	if err := t.reload(o); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *tlsSettings) reload(o Options) error {
	o.HTTP2 = t.http2
	cfg, err := buildTLS(o)
	if err != nil {
		return err
	}
	t.current.Store(cfg)
	return nil
}

// certificate returns the server certificate in use; nil without TLS.
func (t *tlsSettings) certificate() *tls.Certificate {
	if t == nil {
		return nil
	}
	return &t.current.Load().Certificates[0]
}

// logCertificateChange logs the new server certificate, when a reload
// replaced it (its chain differs from before's), or turned TLS on (before
// is nil): which certificate is served, and until when, is what an
// operator who rotated it checks first. An unchanged certificate logs
// nothing.
func logCertificateChange(log zerolog.Logger, before, after *tls.Certificate) {
	if after == nil || before != nil && sameChain(before, after) {
		return
	}
	msg := "TLS certificate changed"
	if before == nil {
		msg = "TLS turned on"
	}
	e := log.Info()
	if leaf := leafOf(after); leaf != nil {
		e = e.Str("subject", leaf.Subject.String()).Str("issuer", leaf.Issuer.String()).
			Str("serial", leaf.SerialNumber.String()).Str("not_after", leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	if leaf := leafOf(before); leaf != nil {
		e = e.Str("previous_subject", leaf.Subject.String()).Str("previous_not_after", leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	e.Msg(msg)
}

func sameChain(a, b *tls.Certificate) bool {
	if len(a.Certificate) != len(b.Certificate) {
		return false
	}
	for i := range a.Certificate {
		if !bytes.Equal(a.Certificate[i], b.Certificate[i]) {
			return false
		}
	}
	return true
}

// leafOf returns the parsed leaf of c (tls.LoadX509KeyPair fills it in).
func leafOf(c *tls.Certificate) *x509.Certificate {
	if c == nil || len(c.Certificate) == 0 {
		return nil
	}
	if c.Leaf != nil {
		return c.Leaf
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		return nil
	}
	return leaf
}

// serverConfig is the tls.Config the listener uses.
func (t *tlsSettings) serverConfig() *tls.Config {
	base := t.current.Load().Clone()
	base.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) { return t.current.Load(), nil }
	return base
}

// sslOptionError is an error about one [ssl] option other than the
// certificate pair, so that Settings.check places it at the key that set
// that option.
type sslOptionError struct {
	key string // "ssl.ciphers", "ssl.ca_file"
	err error
}

func (e *sslOptionError) Error() string { return e.err.Error() }
func (e *sslOptionError) Unwrap() error { return e.err }

func buildTLS(o Options) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("[ssl] cert_file %s and key_file %s: %v", o.CertFile, o.KeyFile, err)
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"h2", "http/1.1"},
	}
	if !o.HTTP2 {
		cfg.NextProtos = []string{"http/1.1"}
	}
	if o.TLSMinVersion == "TLSv1_3" {
		cfg.MinVersion = tls.VersionTLS13
	}
	if o.Ciphers != "" {
		ids, err := cipherSuites(o.Ciphers)
		if err != nil {
			return nil, &sslOptionError{"ssl.ciphers", err}
		}
		cfg.CipherSuites = ids
	}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, &sslOptionError{"ssl.ca_file", fmt.Errorf("[ssl] ca_file: %v", err)}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, &sslOptionError{"ssl.ca_file", fmt.Errorf("[ssl] ca_file %s: no PEM certificates in it", o.CAFile)}
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		if o.ClientCert == "optional" {
			cfg.ClientAuth = tls.VerifyClientCertIfGiven
		}
	}
	return cfg, nil
}

// cipherSuites maps colon- or comma-separated suite names (Go's names,
// which are the IANA ones) to ids. Suites Go calls insecure are refused.
func cipherSuites(list string) ([]uint16, error) {
	known := map[string]uint16{}
	for _, s := range tls.CipherSuites() {
		known[s.Name] = s.ID
	}
	insecure := map[string]bool{}
	for _, s := range tls.InsecureCipherSuites() {
		insecure[s.Name] = true
	}
	var ids []uint16
	for _, name := range strings.FieldsFunc(list, func(r rune) bool { return r == ':' || r == ',' || r == ' ' }) {
		if insecure[name] {
			return nil, fmt.Errorf("[ssl] ciphers: %s is insecure and not offered", name)
		}
		id, ok := known[name]
		if !ok {
			return nil, fmt.Errorf("[ssl] ciphers: unknown suite %q; use names like TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (TLS 1.3 suites are not configurable)", name)
		}
		ids = append(ids, id)
	}
	return ids, nil
}
