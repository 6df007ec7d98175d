package delivery

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is a retry policy: Schedule[i] is the delay between attempt i+1
// and attempt i+2. The first attempt is immediate, so an event is tried at
// most len(Schedule)+1 times.
type Schedule []time.Duration

// DefaultSchedule retries nine times with growing pauses, over almost
// sixteen hours: 5s, 30s, 2m, 10m, 30m, 1h, 2h, 4h, 8h.
var DefaultSchedule = Schedule{
	5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute,
	30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour,
}

// Jitter is the spread [Schedule.Next] applies to a delay: ±20%.
const Jitter = 0.2

// MaxRetryAfter caps the wait a receiver may ask for with Retry-After.
const MaxRetryAfter = 24 * time.Hour

// ParseSchedule reads a comma-separated list of positive durations in the
// syntax of time.ParseDuration, such as "5s,30s,2m,10m,30m,1h,2h,4h,8h".
// Spaces around the items are ignored; an empty list is refused.
func ParseSchedule(s string) (Schedule, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("retry schedule: empty")
	}
	items := strings.Split(s, ",")
	sched := make(Schedule, len(items))
	for i, item := range items {
		d, err := time.ParseDuration(strings.TrimSpace(item))
		if err != nil {
			return nil, fmt.Errorf("retry schedule: item %d: %w", i+1, err)
		}
		if d <= 0 {
			return nil, fmt.Errorf("retry schedule: item %d: %s is not positive", i+1, d)
		}
		sched[i] = d
	}
	return sched, nil
}

// String returns the schedule in the form [ParseSchedule] reads.
func (s Schedule) String() string {
	items := make([]string, len(s))
	for i, d := range s {
		items[i] = d.String()
	}
	return strings.Join(items, ",")
}

// Next returns how long to wait before the next attempt, given the number
// of attempts already made, and false when the schedule is exhausted and
// the event must be given up. Next(0) is (0, true): the first attempt is
// immediate. Otherwise the delay is the schedule's, spread by ±[Jitter]
// according to r, a number in [0, 1) such as rand.Float64 returns (0 gives
// the shortest delay, 0.5 the nominal one, values outside are clamped), so
// that endpoints failing together are not retried together.
func (s Schedule) Next(attempts int, r float64) (time.Duration, bool) {
	if attempts <= 0 {
		return 0, true
	}
	if attempts > len(s) {
		return 0, false
	}
	r = min(max(r, 0), 1)
	return time.Duration(float64(s[attempts-1]) * (1 + Jitter*(2*r-1))), true
}

// Verdict is what an attempt's answer means for the event and the endpoint.
type Verdict int

const (
	// Retry: the attempt failed; try again as the schedule says. It is the
	// zero Verdict, so an unclassified failure is never mistaken for success.
	Retry Verdict = iota
	// Delivered: the endpoint answered 2xx; the event is done.
	Delivered
	// Gone: the endpoint answered 410; it wants no more events and is to be
	// disabled.
	Gone
)

func (v Verdict) String() string {
	switch v {
	case Retry:
		return "retry"
	case Delivered:
		return "delivered"
	case Gone:
		return "gone"
	}
	return "Verdict(" + strconv.Itoa(int(v)) + ")"
}

// Outcome is the classification of one answer.
type Outcome struct {
	Verdict Verdict
	// RetryAfter is, for Retry, the wait the endpoint asked for, at most
	// [MaxRetryAfter]; zero when it asked for none. The next attempt comes
	// no sooner than this, nor sooner than the schedule says.
	RetryAfter time.Duration
}
