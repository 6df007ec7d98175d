package api

import (
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/principal"
)

func TestAuthenticateByClientCertificate(t *testing.T) {
	t.Parallel()
	a := &server{
		Deps:          Deps{Store: keyStore{}, Logger: slog.New(slog.DiscardHandler)},
		keyLimiter:    newLimiter(Limit{Rate: -1}, time.Now),
		publicLimiter: newLimiter(Limit{Rate: -1}, time.Now),
		keys:          NewKeyCheck(keyStore{}, Limit{Rate: -1}, prometheus.NewRegistry()),
	}
	verified := func(der []byte) *tls.ConnectionState {
		return &tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{{Raw: der}}}}
	}
	tests := []struct {
		name string
		tls  *tls.ConnectionState
		key  string
		// wantCode is the error code, or empty when the request is served
		// as the department tax.
		wantCode string
	}{
		{name: "registered certificate, no key", tls: verified(taxCert)},
		{name: "unregistered certificate, no key", tls: verified([]byte("someone else")), wantCode: "invalid_credentials"},
		{name: "unregistered certificate, valid key", tls: verified([]byte("someone else")), key: "tax-key"},
		{name: "registered certificate, invalid key", tls: verified(taxCert), key: "wrong-key", wantCode: "invalid_credentials"},
		{name: "TLS without a client certificate, valid key", tls: &tls.ConnectionState{}, key: "tax-key"},
		{name: "TLS without a client certificate, no key", tls: &tls.ConnectionState{}, wantCode: "missing_credentials"},
		// Only verified chains count: a certificate the CA did not sign
		// never reaches the handler, and one merely presented is not proof.
		{name: "unverified certificate", tls: &tls.ConnectionState{PeerCertificates: []*x509.Certificate{{Raw: taxCert}}},
			wantCode: "missing_credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got *principal.Principal
			h := a.authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = principal.From(r.Context())
				w.WriteHeader(http.StatusNoContent)
			}))
			r := httptest.NewRequest(http.MethodGet, "/v1/keys", nil)
			r.TLS = tt.tls
			if tt.key != "" {
				r.Header.Set("Authorization", "Bearer "+tt.key)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			switch {
			case tt.wantCode == "" && (w.Code != http.StatusNoContent || got == nil || got.Name != "tax"):
				t.Errorf("= %d %s as %+v, want served as tax", w.Code, w.Body, got)
			case tt.wantCode != "" && (w.Code != http.StatusUnauthorized || errCode(w) != tt.wantCode):
				t.Errorf("= %d %s, want 401 %s", w.Code, w.Body, tt.wantCode)
			}
		})
	}
}
