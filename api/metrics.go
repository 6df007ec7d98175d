package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/credex/credex/internal/apierr"
)

var (
	errNoMetricsToken  = apierr.New(http.StatusUnauthorized, "missing_credentials", "send the metrics token as Authorization: Bearer <token>")
	errBadMetricsToken = apierr.New(http.StatusUnauthorized, "invalid_credentials", "the metrics token is not valid")
)

// Metrics serves the metrics g gathers in the Prometheus exposition format.
// With a token, a request without Authorization: Bearer <token> is answered
// 401; an empty token lets anyone read them. The metrics name departments
// and subscriptions: serve them without a token only on an address that
// operators alone reach.
func Metrics(g prometheus.Gatherer, token string) http.Handler {
	metrics := promhttp.HandlerFor(g, promhttp.HandlerOpts{})
	if token == "" {
		return metrics
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(got) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="credex metrics"`)
			apierr.Write(w, errNoMetricsToken)
			return
		}
		// Hashes of equal length, compared in constant time, tell nothing
		// of the token's length or its first differing byte.
		if sum := sha256.Sum256([]byte(strings.TrimSpace(got))); subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="credex metrics", error="invalid_token"`)
			apierr.Write(w, errBadMetricsToken)
			return
		}
		metrics.ServeHTTP(w, r)
	})
}
