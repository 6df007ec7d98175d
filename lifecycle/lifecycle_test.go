package lifecycle_test

import (
	"testing"
	"time"

	"github.com/credex/credex/lifecycle"
	"github.com/credex/credex/workday"
)

// fakeClock is a Clock a test sets by hand.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

type bundle struct {
	clock *fakeClock
	desk  *lifecycle.Desk
}

// setup returns a Desk on the 2026 calendar and a clock set to now.
func setup(t *testing.T, now string) *bundle {
	t.Helper()
	clock := &fakeClock{at(t, now)}
	return &bundle{clock: clock, desk: lifecycle.New(clock, workday.Default(), lifecycle.EvidenceLimits{})}
}

// set moves the clock to s.
func (b *bundle) set(t *testing.T, s string) {
	t.Helper()
	b.clock.now = at(t, s)
}

// at parses "2006-01-02 15:04" (or a bare date) in Beijing time.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	layout := "2006-01-02 15:04"
	if len(s) == len(time.DateOnly) {
		layout = time.DateOnly
	}
	v, err := time.ParseInLocation(layout, s, workday.Location)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// endOf is the deadline form of a date: its last instant in Beijing time.
func endOf(t *testing.T, date string) time.Time {
	t.Helper()
	return at(t, date).Add(24*time.Hour - time.Nanosecond)
}

func wantTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

var pdf = lifecycle.Attachment{Name: "receipt.pdf", MediaType: "application/pdf", Size: 120_000}

// pastDeadline returns the items past their deadline at t, in order.
func pastDeadline[T interface{ Overdue(time.Time) bool }](items []T, t time.Time) []T {
	var past []T
	for _, it := range items {
		if it.Overdue(t) {
			past = append(past, it)
		}
	}
	return past
}
