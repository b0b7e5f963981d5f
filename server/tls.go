package server

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
)

// tlsSettings holds the TLS configuration in use. Handshakes read it
// through GetConfigForClient, so reload can swap in new certificates and
// CAs without touching open connections: they keep the keys they
// negotiated, and the next handshake uses the new ones.
type tlsSettings struct {
	current atomic.Pointer[tls.Config]
}

// newTLS loads the certificate, key and CAs named in o. Unreadable or
// mismatched files are an error now, at start, not at the first client.
func newTLS(o Options) (*tlsSettings, error) {
	t := &tlsSettings{}
	if err := t.reload(o); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *tlsSettings) reload(o Options) error {
	cfg, err := buildTLS(o)
	if err != nil {
		return err
	}
	t.current.Store(cfg)
	return nil
}

// serverConfig is the tls.Config the listener uses.
func (t *tlsSettings) serverConfig() *tls.Config {
	base := t.current.Load().Clone()
	base.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) { return t.current.Load(), nil }
	return base
}

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
	if o.TLSMinVersion == "TLSv1_3" {
		cfg.MinVersion = tls.VersionTLS13
	}
	if o.Ciphers != "" {
		ids, err := cipherSuites(o.Ciphers)
		if err != nil {
			return nil, err
		}
		cfg.CipherSuites = ids
	}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("[ssl] ca_file: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("[ssl] ca_file %s: no PEM certificates in it", o.CAFile)
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
