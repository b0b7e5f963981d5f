package server_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pki is a throwaway CA with a server and a client certificate.
type pki struct {
	caPEM                 []byte
	pool                  *x509.CertPool
	serverCert, serverKey []byte
	clientCert            tls.Certificate
	otherServer, otherKey []byte // a second server certificate, for reload
	otherSerial           *big.Int
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, cn string, usage x509.ExtKeyUsage) ([]byte, []byte) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, _ := x509.MarshalECPrivateKey(key)
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	}
	p := &pki{caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	p.serverCert, p.serverKey = issue(2, "server", x509.ExtKeyUsageServerAuth)
	cc, ck := issue(3, "client", x509.ExtKeyUsageClientAuth)
	p.clientCert, _ = tls.X509KeyPair(cc, ck)
	p.otherServer, p.otherKey = issue(4, "server-2", x509.ExtKeyUsageServerAuth)
	p.otherSerial = big.NewInt(4)
	return p
}

func (p *pki) files(extra string) map[string]string {
	return map[string]string{
		"api.ini":    urlmap + apps + local + "use_ssl = true\ncert_file = server.pem\nkey_file = server.key\n" + extra,
		"server.pem": string(p.serverCert), "server.key": string(p.serverKey), "ca.pem": string(p.caPEM),
	}
}

func tlsClient(p *pki, cfg *tls.Config) *http.Client {
	if cfg.RootCAs == nil {
		cfg.RootCAs = p.pool
	}
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
}

func tlsGet(c *http.Client, url string) (string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return fmt.Sprint(resp.StatusCode, " ", resp.TLS.Version == tls.VersionTLS13 || resp.TLS.Version == tls.VersionTLS12, " ", strings.Fields(string(b))[0]), nil
}

func TestTLS(t *testing.T) {
	k := newPKI(t)
	p := start(t, k.files(""))
	url := "https://" + p.addr + "/"
	if got, err := tlsGet(tlsClient(k, &tls.Config{}), url); err != nil || got != "200 true hello" {
		t.Errorf("TLS GET: %q %v", got, err)
	}
	// TLS 1.2 is the minimum.
	if _, err := tlsGet(tlsClient(k, &tls.Config{MaxVersion: tls.VersionTLS11}), url); err == nil {
		t.Errorf("a TLS 1.1 client was accepted")
	}
	// Plain HTTP to the TLS port gets no page.
	if resp, err := client.Get("http://" + p.addr + "/"); err == nil {
		if resp.StatusCode == 200 {
			t.Errorf("plain HTTP served on the TLS port")
		}
		resp.Body.Close()
	}
}

func TestTLSClientCertificates(t *testing.T) {
	k := newPKI(t)
	required := start(t, k.files("ca_file = ca.pem\n"))
	url := "https://" + required.addr + "/"
	if _, err := tlsGet(tlsClient(k, &tls.Config{}), url); err == nil {
		t.Errorf("ca_file (client_cert = required): a client without a certificate was served")
	}
	if got, err := tlsGet(tlsClient(k, &tls.Config{Certificates: []tls.Certificate{k.clientCert}}), url); err != nil || got != "200 true hello" {
		t.Errorf("with a client certificate: %q %v", got, err)
	}
	optional := start(t, k.files("ca_file = ca.pem\nclient_cert = optional\n"))
	if got, err := tlsGet(tlsClient(k, &tls.Config{}), "https://"+optional.addr+"/"); err != nil || got != "200 true hello" {
		t.Errorf("client_cert = optional, no certificate: %q %v", got, err)
	}
}

func TestTLSCertificateReloadOnSIGHUP(t *testing.T) {
	k := newPKI(t)
	p := start(t, k.files(""))
	serial := func() *big.Int {
		conn, err := tls.Dial("tcp", p.addr, &tls.Config{RootCAs: k.pool})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber
	}
	// An open connection from before the reload keeps working after it.
	c := tlsClient(k, &tls.Config{})
	if _, err := tlsGet(c, "https://"+p.addr+"/"); err != nil {
		t.Fatal(err)
	}
	if s := serial(); s.Int64() != 2 {
		t.Fatalf("serial %v before reload", s)
	}
	os.WriteFile(filepath.Join(p.dir, "server.pem"), k.otherServer, 0o644)
	os.WriteFile(filepath.Join(p.dir, "server.key"), k.otherKey, 0o644)
	p.signal(syscall.SIGHUP)
	if err := p.waitFor("reloaded: new requests use the rebuilt pipeline", 10*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, p.logText())
	}
	if s := serial(); s.Cmp(k.otherSerial) != 0 {
		t.Errorf("serial after reload = %v, want %v", s, k.otherSerial)
	}
	if _, err := tlsGet(c, "https://"+p.addr+"/"); err != nil {
		t.Errorf("kept-alive connection after the reload: %v", err)
	}
}

func TestTLSUnreadableFilesFailAtStart(t *testing.T) {
	k := newPKI(t)
	files := k.files("")
	delete(files, "server.key")
	p := launch(t, files)
	if err := p.wait(10 * time.Second); err == nil || !strings.Contains(p.logText(), "key_file") {
		t.Errorf("exit %v, log:\n%s", err, p.logText())
	}
}

// With workers, a reload that turns TLS on says so, with the certificate
// the new workers serve. Before, the master logged certificates only when
// TLS had been on from the start.
func TestWorkersReloadThatTurnsTLSOnIsLogged(t *testing.T) {
	k := newPKI(t)
	files := k.files("")
	tlsOn := files["api.ini"]
	files["api.ini"] = urlmap + apps + local
	p := start(t, files, "--workers", "1")
	if err := os.WriteFile(filepath.Join(p.dir, "api.ini"), []byte(tlsOn), 0o644); err != nil {
		t.Fatal(err)
	}
	p.signal(syscall.SIGHUP)
	m, err := p.nextLog("TLS turned on", 30*time.Second)
	if err != nil {
		t.Fatalf("%v\n%s", err, p.eventsText())
	}
	if m["subject"] != "CN=server" || m["not_after"] == nil {
		t.Errorf("TLS turned on: %v; want the certificate's subject and expiry", m)
	}
	if err := p.waitFor("reloaded: every worker replaced", 30*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, p.eventsText())
	}
	// The old worker may still accept a connection or two before its
	// SIGTERM lands, and answers them in plain HTTP: poll, bounded.
	for i := 0; i < 50; i++ {
		if _, err = tlsGet(tlsClient(k, &tls.Config{}), "https://"+p.addr+"/"); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Errorf("HTTPS 5 s after the reload: %v", err)
	}
}

// A rolling reload that fails after some workers already serve the new
// certificate logs that certificate, and says that the workers now serve
// two configurations. Before, it said only that the workers kept serving
// the previous pipeline.
func TestWorkersReloadThatFailsHalfwayIsLogged(t *testing.T) {
	k := newPKI(t)
	files := k.files("")
	// Each worker takes 1.5 s to build: time enough to make the second
	// new one crash once the first is on its way.
	app := "[app:main]\nuse = egg:pasteserve#test-start\nstart_delay_ms = 1500\ncrash_file = crash\ncrash_only_in_workers = true\n"
	files["api.ini"] = strings.Replace(files["api.ini"], urlmap+apps, app, 1)
	p := start(t, files, "--workers", "2")
	os.WriteFile(filepath.Join(p.dir, "server.pem"), k.otherServer, 0o644)
	os.WriteFile(filepath.Join(p.dir, "server.key"), k.otherKey, 0o644)
	p.signal(syscall.SIGHUP)
	for i := 1; i <= 2; i++ {
		if _, err := p.nextLog("worker started", 30*time.Second); err != nil {
			t.Fatalf("new worker %d: %v\n%s", i, err, p.eventsText())
		}
	}
	// The second new worker is building: it crashes.
	if err := os.WriteFile(filepath.Join(p.dir, "crash"), []byte("1"), 0o644); err != nil {
		t.Fatal(err)
	}
	const failed = "reload failed after some workers were replaced: those (new_workers) serve the new configuration, the others the previous one; fix it and reload again"
	m, err := p.nextLog(failed, 30*time.Second)
	if err != nil {
		t.Fatalf("%v\n%s", err, p.eventsText())
	}
	if m["new_workers"] != 1.0 {
		t.Errorf("%v; want new_workers 1", m)
	}
	text := p.eventsText()
	if !strings.Contains(text, `"subject":"CN=server-2"`) || !strings.Contains(text, `"message":"TLS certificate changed"`) {
		t.Errorf("the new certificate, which a new worker serves, is not logged:\n%s", text)
	}
	if strings.Contains(text, "the workers keep serving the previous pipeline") {
		t.Errorf("the log says nothing changed:\n%s", text)
	}
}
