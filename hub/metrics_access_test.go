package hub_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/credex/credex/hub"
)

// scrape asks the hub's API address for /metrics with the bearer token, if
// any, and returns the status, the error code and the body.
func (b *bundle) scrape(t *testing.T, token string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.url+"/metrics", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var e struct{ Code string }
	json.Unmarshal(body, &e)
	return res.StatusCode, e.Code, string(body)
}

// The metrics name departments and subscriptions: the API's address serves
// them only behind the metrics token, or to anyone only when told to.
func TestMetricsOnTheAPIAddressNeedTheToken(t *testing.T) {
	t.Parallel()
	const token = "metrics-test-token-0123456789"
	b := setup(t, options{noSink: true, config: func(c *hub.Config) {
		c.PublicMetrics, c.MetricsToken = false, token
	}})
	for _, tc := range []struct {
		token  string
		status int
		code   string
	}{
		{"", http.StatusUnauthorized, "missing_credentials"},
		{"metrics-test-token-0123456780", http.StatusUnauthorized, "invalid_credentials"},
		{marketKey, http.StatusUnauthorized, "invalid_credentials"},
		{token, http.StatusOK, ""},
	} {
		status, code, body := b.scrape(t, tc.token)
		if status != tc.status || code != tc.code {
			t.Errorf("GET /metrics with token %q = %d %q, want %d %q", tc.token, status, code, tc.status, tc.code)
		}
		if hasMetrics := strings.Contains(body, "credex_http_requests_total"); hasMetrics != (tc.status == http.StatusOK) {
			t.Errorf("GET /metrics with token %q: metrics in the answer %v, want %v", tc.token, hasMetrics, tc.status == http.StatusOK)
		}
	}
}

func TestMetricsNotServedUnlessConfigured(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]func(*hub.Config){
		"nothing configured":      func(c *hub.Config) { c.PublicMetrics = false },
		"an address of their own": func(c *hub.Config) { c.MetricsAddr = "127.0.0.1:0" },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, options{noSink: true, config: cfg})
			if status, _, body := b.scrape(t, ""); status != http.StatusNotFound || strings.Contains(body, "credex_") {
				t.Errorf("GET /metrics on the API's address = %d %.80q, want 404 without metrics", status, body)
			}
		})
	}
}
