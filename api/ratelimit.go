package api

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/credex/credex/internal/apierr"
)

// Limit is a token bucket's rate and burst: Rate requests a second on
// average, Burst at once. A zero Rate does not limit.
type Limit struct {
	Rate  float64
	Burst int
}

// Validate names what is impossible in l.
func (l Limit) Validate() error {
	if l.Burst < 0 {
		return fmt.Errorf("rate limit %g/s: burst %d is negative", l.Rate, l.Burst)
	}
	return nil
}

// Default limits: generous for principals, tighter for the routes anyone may
// call without a key (objections, repairs, the public query), and tightest
// for credentials that fail, from one client address: ten, then one every
// ten seconds.
var (
	DefaultKeyLimit        = Limit{Rate: 50, Burst: 100}
	DefaultPublicLimit     = Limit{Rate: 5, Burst: 20}
	DefaultFailedAuthLimit = Limit{Rate: 0.1, Burst: 10}
)

// limiter holds one token bucket per caller: a principal's name, or a
// client's IP address. Buckets live in the process, so several hubs behind
// one load balancer each limit on their own. It is safe for concurrent use.
type limiter struct {
	limit Limit
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// sweepAt is the number of buckets above which full ones are dropped: a
// full bucket is the same as none.
const sweepAt = 10000

func newLimiter(l Limit, now func() time.Time) *limiter {
	return &limiter{limit: l, now: now, buckets: map[string]*bucket{}}
}

// take takes a token from who's bucket. When it is empty it answers false
// and how long until a token is there.
func (l *limiter) take(who string) (bool, time.Duration) {
	if l == nil || l.limit.Rate <= 0 {
		return true, 0
	}
	now := l.now()
	burst := float64(max(l.limit.Burst, 1))
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buckets) > sweepAt {
		for k, b := range l.buckets {
			if b.tokens+now.Sub(b.at).Seconds()*l.limit.Rate >= burst {
				delete(l.buckets, k)
			}
		}
	}
	b, ok := l.buckets[who]
	if !ok {
		b = &bucket{tokens: burst, at: now}
		l.buckets[who] = b
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.at).Seconds()*l.limit.Rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.limit.Rate * float64(time.Second))
}

// peek reports whether who's bucket has a token, without taking it; when
// it has none, it answers false and how long until a token is there.
func (l *limiter) peek(who string) (bool, time.Duration) {
	if l == nil || l.limit.Rate <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[who]
	if !ok {
		return true, 0
	}
	tokens := min(float64(max(l.limit.Burst, 1)), b.tokens+l.now().Sub(b.at).Seconds()*l.limit.Rate)
	if tokens >= 1 {
		return true, 0
	}
	return false, time.Duration((1 - tokens) / l.limit.Rate * float64(time.Second))
}

var errRateLimited = apierr.New(http.StatusTooManyRequests, "rate_limited", "too many requests; wait as long as Retry-After says")

// refuse answers 429 with Retry-After in whole seconds, at least 1.
func refuse(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	apierr.Write(w, errRateLimited)
}

// limitByIP limits the requests of each client address to next. The address
// is the connection's peer: behind a proxy, every client shares the proxy's
// bucket, so the proxy should limit by client itself.
func (a *server) limitByIP(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := a.publicLimiter.take(clientAddr(r)); !ok {
			refuse(w, wait)
			return
		}
		next(w, r)
	})
}

// clientAddr is the address limits count r against: the IP address of the
// connection's peer.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
