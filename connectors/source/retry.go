package source

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Backoff is the pause between a connector's retries: 0.5s, doubling up
// to 30s, from the shortest again after Reset.
type Backoff struct{ next time.Duration }

// Sleep waits for the next retry; false when ctx ended first.
func (b *Backoff) Sleep(ctx context.Context) bool {
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

// Reset starts the pauses again from the shortest.
func (b *Backoff) Reset() { b.next = 0 }

// Outage follows the failures of one thing a connector depends on: it logs
// a warning at the first failure of a stretch, not at every retry, and a
// note when that thing works again. It is safe for concurrent use.
type Outage struct {
	Log *slog.Logger
	// Down is logged at the first failure, Up at the success after it.
	Down, Up string
	mu       sync.Mutex
	since    time.Time
}

// Failed notes a failure.
func (o *Outage) Failed(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.since.IsZero() {
		o.since = time.Now()
		o.Log.Warn(o.Down, "err", err)
	}
}

// Ended notes a success.
func (o *Outage) Ended() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.since.IsZero() {
		o.Log.Info(o.Up, "after", time.Since(o.since).Round(time.Millisecond))
		o.since = time.Time{}
	}
}
