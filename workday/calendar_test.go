package workday_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/credex/credex/workday"
)

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
	return at(t, date).Add(24*time.Hour - time.Nanosecond)
}

func TestIsWorkday(t *testing.T) {
	t.Parallel()
	cal := workday.Default()
	tests := []struct {
		date string
		want bool
		why  string
	}{
		{"2026-01-01", false, "New Year's Day, a Thursday"},
		{"2026-01-03", false, "New Year's break, a Saturday"},
		{"2026-01-04", true, "make-up Sunday for New Year's Day"},
		{"2026-01-05", true, "plain Monday"},
		{"2026-01-10", false, "plain Saturday"},
		{"2026-02-13", true, "Friday before Spring Festival"},
		{"2026-02-14", true, "make-up Saturday for Spring Festival"},
		{"2026-02-16", false, "Spring Festival eve, a Monday"},
		{"2026-02-23", false, "last day of Spring Festival, a Monday"},
		{"2026-02-24", true, "first Tuesday after Spring Festival"},
		{"2026-02-28", true, "make-up Saturday for Spring Festival"},
		{"2026-04-06", false, "Qingming, a Monday"},
		{"2026-05-05", false, "Labour Day break, a Tuesday"},
		{"2026-05-09", true, "make-up Saturday for Labour Day"},
		{"2026-06-19", false, "Dragon Boat Festival, a Friday"},
		{"2026-09-20", true, "make-up Sunday for National Day"},
		{"2026-09-25", false, "Mid-Autumn Festival, a Friday"},
		{"2026-10-07", false, "National Day break, a Wednesday"},
		{"2026-10-08", true, "first Thursday after National Day"},
		{"2026-10-10", true, "make-up Saturday for National Day"},
		{"2027-01-01", true, "2027 is not covered: a plain Friday"},
		{"2027-01-02", false, "2027 is not covered: a plain Saturday"},
	}
	for _, tt := range tests {
		if got := cal.IsWorkday(at(t, tt.date)); got != tt.want {
			t.Errorf("IsWorkday(%s) = %v, want %v (%s)", tt.date, got, tt.want, tt.why)
		}
	}
}

func TestIsWorkdayReadsBeijingDate(t *testing.T) {
	t.Parallel()
	cal := workday.Default()
	// 16:30 UTC on Friday 13 February is 00:30 on the make-up Saturday in Beijing.
	if !cal.IsWorkday(time.Date(2026, 2, 13, 16, 30, 0, 0, time.UTC)) {
		t.Error("2026-02-13T16:30Z is 2026-02-14 in Beijing, a make-up working day")
	}
	// 16:30 UTC on Wednesday 30 September is 00:30 on National Day in Beijing.
	if cal.IsWorkday(time.Date(2026, 9, 30, 16, 30, 0, 0, time.UTC)) {
		t.Error("2026-09-30T16:30Z is 2026-10-01 in Beijing, a holiday")
	}
}

func TestAddWorkdays(t *testing.T) {
	t.Parallel()
	cal := workday.Default()
	tests := []struct {
		name string
		from string
		n    int
		want string // date whose end is the deadline
	}{
		{"same week", "2026-03-03 10:00", 2, "2026-03-05"},
		{"over a weekend", "2026-03-05 10:00", 2, "2026-03-09"},
		{"from a Saturday the Saturday does not count", "2026-03-07 10:00", 1, "2026-03-09"},
		{"late at night still counts from the next day", "2026-03-03 23:59", 1, "2026-03-04"},
		{"zero is the end of the same day", "2026-03-07 10:00", 0, "2026-03-07"},
		{"Friday before Spring Festival: make-up Saturday, then after the break", "2026-02-13 15:00", 2, "2026-02-24"},
		{"Friday before Spring Festival, 10 days: both make-up Saturdays count", "2026-02-13 15:00", 10, "2026-03-05"},
		{"during Spring Festival", "2026-02-18 09:00", 1, "2026-02-24"},
		{"lands on the make-up Saturday after Spring Festival", "2026-02-26 09:00", 2, "2026-02-28"},
		{"just before National Day", "2026-09-30 17:00", 2, "2026-10-09"},
		{"just before National Day, 10 days", "2026-09-30 17:00", 10, "2026-10-20"},
		{"lands on the make-up Saturday after National Day", "2026-10-08 11:00", 2, "2026-10-10"},
		{"lands on the make-up Sunday before National Day", "2026-09-17 11:00", 2, "2026-09-20"},
		{"Mid-Autumn Friday then a plain weekend", "2026-09-24 11:00", 1, "2026-09-28"},
		{"Labour Day, 10 days, make-up Saturday counts", "2026-04-22 11:00", 10, "2026-05-09"},
		{"New Year: the make-up Sunday is the first working day", "2026-01-01 08:00", 1, "2026-01-04"},
		{"from 2026 into 2027, weekends only there", "2026-12-30 12:00", 3, "2027-01-04"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			from := at(t, tt.from)
			got := cal.AddWorkdays(from, tt.n)
			if want := endOf(t, tt.want); !got.Equal(want) {
				t.Errorf("AddWorkdays(%s, %d) = %s, want %s", tt.from, tt.n, got, want)
			}
			if back := cal.WorkdaysBetween(from, got); back != tt.n {
				t.Errorf("WorkdaysBetween(%s, %s) = %d, want %d", tt.from, got, back, tt.n)
			}
		})
	}
}

func TestAddWorkdaysNegativePanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("AddWorkdays(t, -1) did not panic")
		}
	}()
	workday.Default().AddWorkdays(time.Now(), -1)
}

func TestWorkdaysBetween(t *testing.T) {
	t.Parallel()
	cal := workday.Default()
	tests := []struct {
		a, b string
		want int
	}{
		{"2026-03-02 09:00", "2026-03-02 18:00", 0},
		{"2026-03-02 09:00", "2026-03-03 08:00", 1},
		{"2026-03-03 08:00", "2026-03-02 09:00", -1},
		{"2026-02-13", "2026-02-28", 6}, // 14, 24, 25, 26, 27, 28
		{"2026-09-30", "2026-10-10", 3}, // 8, 9, 10
		// 261 weekdays, 19 of them holidays, 6 make-up weekend days.
		{"2025-12-31", "2026-12-31", 248},
	}
	for _, tt := range tests {
		if got := cal.WorkdaysBetween(at(t, tt.a), at(t, tt.b)); got != tt.want {
			t.Errorf("WorkdaysBetween(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCovers(t *testing.T) {
	t.Parallel()
	cal := workday.Default()
	if !cal.Covers(2026) {
		t.Error("Default does not cover 2026")
	}
	if cal.Covers(2027) {
		t.Error("Default covers 2027, which has no data yet")
	}
	var zero workday.Calendar
	if zero.Covers(2026) || !zero.IsWorkday(at(t, "2026-02-16")) || zero.IsWorkday(at(t, "2026-02-14")) {
		t.Error("the zero Calendar should know weekends only")
	}
}

// TestAddWorkdaysProperties checks, for random instants and limits, that a
// deadline is the end of a working day, n days away, and grows with n.
func TestAddWorkdaysProperties(t *testing.T) {
	t.Parallel()
	cal := workday.Default()
	rng := rand.New(rand.NewPCG(2026, 1))
	start := at(t, "2025-11-01").Unix()
	span := at(t, "2027-03-01").Unix() - start
	for range 5000 {
		from := time.Unix(start+rng.Int64N(span), 0)
		n := 1 + rng.IntN(30)
		got := cal.AddWorkdays(from, n)
		next := cal.AddWorkdays(from, n+1)
		if !cal.IsWorkday(got) {
			t.Fatalf("AddWorkdays(%s, %d) = %s, not a working day", from, n, got)
		}
		if h, m, s := got.Clock(); h != 23 || m != 59 || s != 59 || got.Nanosecond() != 999_999_999 || got.Location() != workday.Location {
			t.Fatalf("AddWorkdays(%s, %d) = %s, not the last instant of a day in Beijing time", from, n, got)
		}
		if !next.After(got) {
			t.Fatalf("AddWorkdays(%s, %d) = %s is not after AddWorkdays(_, %d) = %s", from, n+1, next, n, got)
		}
		if back := cal.WorkdaysBetween(from, got); back != n {
			t.Fatalf("WorkdaysBetween(%s, AddWorkdays(_, %d)) = %d", from, n, back)
		}
		if !got.After(from) {
			t.Fatalf("AddWorkdays(%s, %d) = %s is not after its start", from, n, got)
		}
	}
}
