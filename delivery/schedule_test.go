package delivery

import (
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Schedule // nil: refused
	}{
		{"5s,30s,2m,10m,30m,1h,2h,4h,8h", DefaultSchedule},
		{"1m", Schedule{time.Minute}},
		{" 1s , 1h30m ", Schedule{time.Second, 90 * time.Minute}},
		{"500ms,1s,1s", Schedule{500 * time.Millisecond, time.Second, time.Second}},
		{"", nil},
		{"  ", nil},
		{"5s,,30s", nil},
		{"5s,", nil},
		{"5", nil},
		{"5s;30s", nil},
		{"0s", nil},
		{"-5s", nil},
		{"1d", nil},
	} {
		got, err := ParseSchedule(tc.in)
		switch {
		case tc.want == nil && err == nil:
			t.Errorf("ParseSchedule(%q) = %v, want an error", tc.in, got)
		case tc.want != nil && (err != nil || got.String() != tc.want.String()):
			t.Errorf("ParseSchedule(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestScheduleStringIsParsedBack(t *testing.T) {
	t.Parallel()
	got, err := ParseSchedule(DefaultSchedule.String())
	if err != nil || got.String() != DefaultSchedule.String() {
		t.Errorf("ParseSchedule(%q) = %v, %v", DefaultSchedule, got, err)
	}
	if DefaultSchedule.String() != "5s,30s,2m0s,10m0s,30m0s,1h0m0s,2h0m0s,4h0m0s,8h0m0s" {
		t.Errorf("DefaultSchedule = %s", DefaultSchedule)
	}
}

func TestScheduleNext(t *testing.T) {
	t.Parallel()
	s := Schedule{10 * time.Second, time.Hour}
	for _, tc := range []struct {
		name     string
		attempts int
		r        float64
		want     time.Duration
		ok       bool
	}{
		{"first attempt is immediate", 0, 0.9, 0, true},
		{"after one failure, nominal", 1, 0.5, 10 * time.Second, true},
		{"after one failure, shortest", 1, 0, 8 * time.Second, true},
		{"after one failure, near longest", 1, 0.999, 11996 * time.Millisecond, true},
		{"after two failures", 2, 0.5, time.Hour, true},
		{"after two failures, shortest", 2, 0, 48 * time.Minute, true},
		{"after two failures, longest", 2, 1, 72 * time.Minute, true},
		{"r below range is clamped", 2, -3, 48 * time.Minute, true},
		{"r above range is clamped", 2, 7, 72 * time.Minute, true},
		{"exhausted", 3, 0.5, 0, false},
		{"long exhausted", 100, 0.5, 0, false},
	} {
		got, ok := s.Next(tc.attempts, tc.r)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: Next(%d, %v) = %s, %t; want %s, %t", tc.name, tc.attempts, tc.r, got, ok, tc.want, tc.ok)
		}
	}
}

func TestDefaultScheduleSpansHours(t *testing.T) {
	t.Parallel()
	var total time.Duration
	attempts := 1
	for {
		d, ok := DefaultSchedule.Next(attempts, 0)
		if !ok {
			break
		}
		total += d
		attempts++
	}
	if attempts != 10 || total < 12*time.Hour {
		t.Errorf("default schedule: %d attempts over at least %s, want 10 attempts over at least 12h", attempts, total)
	}
}

func TestVerdictString(t *testing.T) {
	t.Parallel()
	for v, want := range map[Verdict]string{
		Retry: "retry", Delivered: "delivered", Gone: "gone", 7: "Verdict(7)",
	} {
		if got := v.String(); got != want {
			t.Errorf("Verdict(%d).String() = %q, want %q", int(v), got, want)
		}
	}
}
