package api_test

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/api"
)

// TestPersonEndpointsWithoutAnIdentityProvider: a hub that trusts no
// identity provider lets no person act, and says why.
func TestPersonEndpointsWithoutAnIdentityProvider(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	h := api.New(api.Deps{Gatherer: reg, Registry: reg, Logger: slog.New(slog.DiscardHandler)})
	for _, path := range []string{"/v1/objections", "/v1/repairs", "/v1/authorisations", "/v1/public/access-log"} {
		r := httptest.NewRequest("POST", path, strings.NewReader(`{}`))
		r.Header.Set("Authorization", "Bearer a.b.c")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 503 || errorCode(w) != "identity_provider_not_configured" {
			t.Errorf("POST %s = %d %s, want 503 identity_provider_not_configured", path, w.Code, w.Body)
		}
	}
}
