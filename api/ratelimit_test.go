package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/principal"
	"github.com/credex/credex/store"
)

// clock is a settable time for buckets.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestLimiterTakesBurstThenRate(t *testing.T) {
	t.Parallel()
	c := &clock{t: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}
	l := newLimiter(Limit{Rate: 2, Burst: 3}, c.now)
	for i := range 3 {
		if ok, _ := l.take("tax"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.take("tax")
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("fourth request at once = %v, wait %v; want refused, wait 500ms (rate 2/s)", ok, wait)
	}
	if ok, _ := l.take("market"); !ok {
		t.Error("another caller's bucket was emptied by tax's requests")
	}
	c.advance(500 * time.Millisecond)
	if ok, _ := l.take("tax"); !ok {
		t.Error("refused after waiting as long as told")
	}
	if ok, _ := l.take("tax"); ok {
		t.Error("a refill of one token served two requests")
	}
	c.advance(time.Hour)
	for i := range 3 {
		if ok, _ := l.take("tax"); !ok {
			t.Fatalf("after an idle hour, request %d refused: the bucket refills to the burst only", i+1)
		}
	}
	if ok, _ := l.take("tax"); ok {
		t.Error("an idle hour filled the bucket beyond its burst")
	}
}

func TestLimiterWithoutRateDoesNotLimit(t *testing.T) {
	t.Parallel()
	l := newLimiter(Limit{Rate: -1}, time.Now)
	for range 1000 {
		if ok, _ := l.take("x"); !ok {
			t.Fatal("a limiter without a rate refused a request")
		}
	}
}

func TestLimiterDropsFullBuckets(t *testing.T) {
	t.Parallel()
	c := &clock{t: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}
	l := newLimiter(Limit{Rate: 10, Burst: 10}, c.now)
	for i := range sweepAt + 1 {
		l.take(string(rune(i)))
	}
	c.advance(time.Second)
	l.take("new")
	if n := len(l.buckets); n != 1 {
		t.Errorf("%d buckets kept after every one refilled; want only the new caller's", n)
	}
}

// keyStore knows one key and one client certificate (taxCert), both of the
// department tax.
type keyStore struct{}

// taxCert is the DER of the department tax's client certificate.
var taxCert = []byte("tax certificate DER")

func (keyStore) PrincipalByCert(_ context.Context, hash string) (*principal.Principal, error) {
	if hash != principal.CertHash(taxCert) {
		return nil, store.ErrNotFound
	}
	return &principal.Principal{Kind: principal.Department, Name: "tax"}, nil
}

func (keyStore) PrincipalByKey(_ context.Context, key string) (*principal.Principal, error) {
	if key != "tax-key" {
		return nil, store.ErrNotFound
	}
	return &principal.Principal{Kind: principal.Department, Name: "tax"}, nil
}

func (keyStore) Record(context.Context, string) (*store.Record, error) { return nil, store.ErrNotFound }

func TestRateLimitedAnswers429WithRetryAfter(t *testing.T) {
	t.Parallel()
	a := &server{
		Deps:          Deps{Store: keyStore{}, Logger: slog.New(slog.DiscardHandler)},
		keyLimiter:    newLimiter(Limit{Rate: 0.25, Burst: 1}, time.Now),
		publicLimiter: newLimiter(Limit{Rate: 0.5, Burst: 2}, time.Now),
		keys:          NewKeyCheck(keyStore{}, Limit{Rate: -1}, prometheus.NewRegistry()),
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	tests := []struct {
		name       string
		handler    http.Handler
		header     http.Header
		remote     string
		allowed    int
		retryAfter string
	}{
		{name: "principal", handler: a.authenticate(ok), header: http.Header{"Authorization": {"Bearer tax-key"}},
			remote: "192.0.2.1:1234", allowed: 1, retryAfter: "4"},
		{name: "client address", handler: a.limitByIP(ok), remote: "192.0.2.2:1234", allowed: 2, retryAfter: "2"},
		{name: "client address, another port", handler: a.limitByIP(ok), remote: "192.0.2.2:4321", allowed: 0, retryAfter: "2"},
	}
	for _, tt := range tests {
		for i := range tt.allowed + 1 {
			r := httptest.NewRequest(http.MethodGet, "/v1/anything", nil)
			r.RemoteAddr, r.Header = tt.remote, tt.header.Clone()
			if r.Header == nil {
				r.Header = http.Header{}
			}
			w := httptest.NewRecorder()
			tt.handler.ServeHTTP(w, r)
			if i < tt.allowed {
				if w.Code != http.StatusNoContent {
					t.Errorf("%s: request %d = %d, want it served", tt.name, i+1, w.Code)
				}
				continue
			}
			if w.Code != http.StatusTooManyRequests || errCode(w) != "rate_limited" || w.Header().Get("Retry-After") != tt.retryAfter {
				t.Errorf("%s: request %d = %d %s, Retry-After %q; want 429 rate_limited, Retry-After %s",
					tt.name, i+1, w.Code, w.Body, w.Header().Get("Retry-After"), tt.retryAfter)
			}
		}
	}
}

func errCode(w *httptest.ResponseRecorder) string {
	var e struct{ Code string }
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		return ""
	}
	return e.Code
}

func TestLimiterPeekTakesNothing(t *testing.T) {
	t.Parallel()
	c := &clock{t: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}
	l := newLimiter(Limit{Rate: 0.1, Burst: 2}, c.now)
	for range 5 {
		if ok, _ := l.peek("198.51.100.7"); !ok {
			t.Fatal("peeking into a bucket never taken from answered empty")
		}
	}
	l.take("198.51.100.7")
	l.take("198.51.100.7")
	if ok, wait := l.peek("198.51.100.7"); ok || wait != 10*time.Second {
		t.Errorf("peek at an empty bucket = %v, wait %v; want empty, wait 10s", ok, wait)
	}
	c.advance(10 * time.Second)
	if ok, _ := l.peek("198.51.100.7"); !ok {
		t.Error("peek after the refill answered empty")
	}
	if ok, _ := l.take("198.51.100.7"); !ok {
		t.Error("the token peeked at was gone")
	}
}
