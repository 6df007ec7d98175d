package kafkasrc

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// backoff is the pause between retries: 0.5s, doubling up to 30s.
type backoff struct{ next time.Duration }

// sleep waits for the next retry; false when ctx ended first.
func (b *backoff) sleep(ctx context.Context) bool {
	b.next = min(max(2*b.next, 500*time.Millisecond), 30*time.Second)
	t := time.NewTimer(b.next)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// reset starts the pauses again from the shortest.
func (b *backoff) reset() { b.next = 0 }

// outage follows the failures of one thing the connector depends on: it
// logs a warning at the first failure of a stretch, not at every retry, and
// a note when that thing works again. It is safe for concurrent use.
type outage struct {
	log *slog.Logger
	// down is logged at the first failure, up at the success after it.
	down, up string
	mu       sync.Mutex
	since    time.Time
}

// failed notes a failure.
func (o *outage) failed(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.since.IsZero() {
		o.since = time.Now()
		o.log.Warn(o.down, "err", err)
	}
}

// ended notes a success.
func (o *outage) ended() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.since.IsZero() {
		o.log.Info(o.up, "after", time.Since(o.since).Round(time.Millisecond))
		o.since = time.Time{}
	}
}
