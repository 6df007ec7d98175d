package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// as sends GET path with key from the client address remote.
func (b *bundle) as(remote, key, path string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.RemoteAddr = remote
	r.Header.Set("Authorization", "Bearer "+key)
	w := httptest.NewRecorder()
	b.handler.ServeHTTP(w, r)
	return w
}

// The attack: one client address tries key after key. After ten failures
// its attempts are refused before any key is looked up, its valid keys
// too, until the bucket refills; other addresses are served as before.
// Every failure is counted.
func TestFailedKeysLimitedByClientAddress(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const attacker, other = "198.51.100.7:40000", "203.0.113.9:40000"
	path := "/v1/records/" + b.recordID
	for i := range 10 {
		if w := b.as(attacker, "cx_guess"+strings.Repeat("x", i), path); w.Code != http.StatusUnauthorized || errorCode(w) != "invalid_credentials" {
			t.Fatalf("wrong key %d answered %d %s, want 401 invalid_credentials", i+1, w.Code, w.Body)
		}
	}
	for _, key := range []string{"cx_guess-eleven", departmentKey} {
		w := b.as(attacker, key, path)
		if w.Code != http.StatusTooManyRequests || errorCode(w) != "rate_limited" || w.Header().Get("Retry-After") != "10" {
			t.Errorf("after ten wrong keys, %s answered %d %s, Retry-After %q; want 429 rate_limited, Retry-After 10",
				key, w.Code, w.Body, w.Header().Get("Retry-After"))
		}
	}
	if w := b.as(other, departmentKey, path); w.Code != http.StatusOK {
		t.Errorf("a valid key from another address answered %d %s, want 200", w.Code, w.Body)
	}
	if w := b.as(other, "cx_typo", path); w.Code != http.StatusUnauthorized {
		t.Errorf("a wrong key from another address answered %d, want 401: its failures are its own", w.Code)
	}

	w := httptest.NewRecorder()
	b.handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if want := `credex_auth_failures_total{reason="invalid_key"} 11`; !strings.Contains(w.Body.String(), want) {
		t.Errorf("metrics lack %s", want)
	}
}
