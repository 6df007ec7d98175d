package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/credex/credex/internal/testkit/kafkatest"
	"github.com/credex/credex/internal/testkit/pgtest"
	"github.com/credex/credex/principal"
)

// testCA is a throwaway certificate authority.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T, name string) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return testCA{cert: cert, key: key}
}

var serial int64 = 1

// issue signs a certificate for name: a server's for 127.0.0.1, or a client's.
func (ca testCA) issue(t *testing.T, name string, server bool) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestServeWithMutualTLS(t *testing.T) {
	ca, rogueCA := newTestCA(t, "city credit CA"), newTestCA(t, "rogue CA")
	server := ca.issue(t, "hub", true)
	market, bank, stranger := ca.issue(t, "market", false), ca.issue(t, "bank", false), ca.issue(t, "stranger", false)
	rogue := rogueCA.issue(t, "market", false)

	dir := t.TempDir()
	writePEM(t, filepath.Join(dir, "ca.pem"), "CERTIFICATE", ca.cert.Raw)
	writePEM(t, filepath.Join(dir, "server.pem"), "CERTIFICATE", server.Certificate[0])
	keyDER, err := x509.MarshalPKCS8PrivateKey(server.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, filepath.Join(dir, "server-key.pem"), "PRIVATE KEY", keyDER)
	seed := filepath.Join(dir, "principals.yaml")
	if err := os.WriteFile(seed, []byte(`principals:
  - kind: department
    name: market
    key_sha256: 3c6b28a677bf22e7da2b227579afef4c630acc6d4cfaf9e041d914129f55960c # of serve-test-market-key
    cert_sha256: `+principal.CertHash(market.Certificate[0])+`
    code: 134403056544822217
    types: [administrative_licence, administrative_penalty]
  - kind: agency
    name: bank
    cert_sha256: `+principal.CertHash(bank.Certificate[0])+`
`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CREDEX_SUBJECT_KEY", "serve-test-subject-key-0123")
	t.Setenv("CREDEX_AUTHORISATION_KEY", "serve-test-authorisation-key-0123")
	addr := start(t, serve, []string{
		"--addr", "127.0.0.1:0", "--database-url", pgtest.URL(t),
		"--kafka-brokers", strings.Join(kafkatest.Brokers(t), ","), "--topic-prefix", kafkatest.Prefix(t),
		"--partitions", "2", "--principals", seed,
		"--tls-cert", filepath.Join(dir, "server.pem"), "--tls-key", filepath.Join(dir, "server-key.pem"),
		"--client-ca", filepath.Join(dir, "ca.pem"),
	}, `"addr":"([^"]+)"`)
	url := "https://" + addr

	roots := x509.NewCertPool()
	roots.AddCert(ca.cert)
	client := func(certs ...tls.Certificate) *http.Client {
		return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: certs},
		}}
	}
	// get answers the status and error code of GET path.
	get := func(c *http.Client, path, key string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url+path, nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer res.Body.Close()
		var body struct{ Code, Status string }
		json.NewDecoder(res.Body).Decode(&body)
		return res.StatusCode, body.Code + body.Status
	}

	if status, body := get(client(), "/readyz", ""); status != http.StatusOK || body != "ready" {
		t.Fatalf("readyz over TLS without a client certificate = %d %s, want 200 ready", status, body)
	}
	t.Run("registered certificate authenticates as its department", func(t *testing.T) {
		envelopes, err := readEnvelopes(t, string(must(os.ReadFile("../../../../deploy/dev/demo.ndjson"))))
		if err != nil {
			t.Fatal(err)
		}
		p := &publisher{client: client(market), url: url}
		resp, err := p.submit(context.Background(), envelopes)
		if err != nil || resp.Accepted != 3 || resp.Rejected != 1 {
			t.Fatalf("submission with the market certificate = %+v, %v; want 3 accepted, 1 rejected", resp, err)
		}
	})
	t.Run("certificate of a principal without a key", func(t *testing.T) {
		if status, code := get(client(bank), "/v1/keys", ""); status != http.StatusOK {
			t.Errorf("GET /v1/keys with the bank certificate = %d %s, want 200", status, code)
		}
	})
	t.Run("certificate registered for nobody", func(t *testing.T) {
		if status, code := get(client(stranger), "/v1/keys", ""); status != http.StatusUnauthorized || code != "invalid_credentials" {
			t.Errorf("GET /v1/keys with an unregistered certificate = %d %s, want 401 invalid_credentials", status, code)
		}
	})
	t.Run("certificate of another CA fails the handshake", func(t *testing.T) {
		// A client offers only certificates of the CAs the hub names, so
		// this one is forced on the hub.
		c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
			RootCAs: roots,
			GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
				return &rogue, nil
			},
		}}}
		res, err := c.Get(url + "/healthz")
		if err == nil {
			res.Body.Close()
			t.Fatalf("GET /healthz with a certificate the CA did not sign = %d, want the handshake refused", res.StatusCode)
		}
	})
	t.Run("bearer key over TLS", func(t *testing.T) {
		if status, code := get(client(), "/v1/keys", "serve-test-market-key"); status != http.StatusOK {
			t.Errorf("GET /v1/keys with the market key = %d %s, want 200", status, code)
		}
		if status, code := get(client(), "/v1/keys", ""); status != http.StatusUnauthorized || code != "missing_credentials" {
			t.Errorf("GET /v1/keys with neither key nor certificate = %d %s, want 401 missing_credentials", status, code)
		}
	})
}

func TestServeRefusesHalfATLSConfiguration(t *testing.T) {
	t.Setenv("CREDEX_SUBJECT_KEY", "serve-test-subject-key-0123")
	for _, args := range [][]string{{"--tls-cert", "cert.pem"}, {"--tls-key", "key.pem"}, {"--client-ca", "ca.pem"}} {
		err := serve(context.Background(), append(args, "--database-url", "postgres://x@127.0.0.1:1/x", "--kafka-brokers", "127.0.0.1:1"), io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--tls-cert and --tls-key") {
			t.Errorf("serve %s = %v, want an error asking for both --tls-cert and --tls-key", args[0], err)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
