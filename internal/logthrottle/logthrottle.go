// Package logthrottle keeps an outage from drowning the logs: of the
// warnings and errors that repeat one message, it writes the first in each
// interval and counts the rest, and the next one written says how many
// were left out.
package logthrottle

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Interval is how often a repeated message is written at most.
const Interval = 10 * time.Second

// New returns a handler that writes to next every record below
// slog.LevelWarn, and of the warnings and errors with the same level and
// message, one per interval: that one carries "repeated", the number left
// out since the last one written. Handlers derived from it (WithAttrs,
// WithGroup) share its count, so many workers logging the same failure
// count as one.
func New(next slog.Handler, interval time.Duration) slog.Handler {
	return &handler{next: next, state: &state{interval: interval, seen: map[key]*count{}, now: time.Now}}
}

type key struct {
	level   slog.Level
	message string
}

type count struct {
	written time.Time
	left    int
}

type state struct {
	interval time.Duration
	now      func() time.Time
	mu       sync.Mutex
	seen     map[key]*count
}

// admit says whether a record of k is written now, and how many of k
// were left out before it.
func (s *state) admit(k key, at time.Time) (bool, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.seen[k]
	if c == nil {
		if len(s.seen) >= 1024 { // many distinct messages: forget the old
			clear(s.seen)
		}
		s.seen[k] = &count{written: at}
		return true, 0
	}
	if at.Sub(c.written) < s.interval {
		c.left++
		return false, 0
	}
	left := c.left
	c.written, c.left = at, 0
	return true, left
}

type handler struct {
	next  slog.Handler
	state *state
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn {
		return h.next.Handle(ctx, r)
	}
	ok, left := h.state.admit(key{r.Level, r.Message}, h.state.now())
	if !ok {
		return nil
	}
	if left > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Int("repeated", left))
	}
	return h.next.Handle(ctx, r)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &handler{next: h.next.WithAttrs(attrs), state: h.state}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(name), state: h.state}
}
