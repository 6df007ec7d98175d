package workday_test

import (
	"strings"
	"testing"

	"github.com/credex/credex/workday"
)

const calendar2027 = `
# a made-up year for the tests
year: 2027
holidays:
  - name: Spring Festival
    dates: [2027-02-05, 2027-02-08]
workdays: [2027-02-06]
`

func TestLoad(t *testing.T) {
	t.Parallel()
	cal, err := workday.Load(strings.NewReader(calendar2027 + "---\nyear: 2028\nholidays: [{name: New Year, dates: [2028-01-03]}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	for date, want := range map[string]bool{
		"2027-02-04": true,
		"2027-02-05": false,
		"2027-02-06": true,
		"2027-02-07": false,
		"2027-02-08": false,
		"2028-01-03": false,
		"2026-02-16": true, // 2026 is not in this calendar
	} {
		if got := cal.IsWorkday(at(t, date)); got != want {
			t.Errorf("IsWorkday(%s) = %v, want %v", date, got, want)
		}
	}
	if !cal.Covers(2027) || !cal.Covers(2028) || cal.Covers(2026) {
		t.Error("Covers: want 2027 and 2028 only")
	}
}

func TestLoadRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml string
		want       []string // substrings of the error
	}{
		{"empty", "", []string{"no year given"}},
		{"unknown key", calendar2027 + "notes: x\n", []string{"field notes not found"}},
		{"misspelt key", "year: 2027\nholiday: []\n", []string{"field holiday not found"}},
		{"no year", "holidays: [{name: x, dates: [2027-01-01]}]\n", []string{"year: 0 is not a year"}},
		{"no holidays", "year: 2027\n", []string{"holidays: none listed"}},
		{"not a date", "year: 2027\nholidays: [{name: x, dates: [2027-02-30]}]\n", []string{`line 2: "2027-02-30" is not a date`}},
		{"unpadded date", "year: 2027\nholidays: [{name: x, dates: [2027-2-3]}]\n", []string{"not a date"}},
		{"date not a scalar", "year: 2027\nworkdays: [[2027-02-06]]\nholidays: [{name: x, dates: [2027-01-01]}]\n", []string{"not a date"}},
		{"nameless, dateless holiday", "year: 2027\nholidays: [{dates: []}]\n", []string{"holidays[0].name: missing", "holidays[0].dates: none listed"}},
		{"date in another year", "year: 2027\nholidays: [{name: x, dates: [2026-12-31]}]\n", []string{"holidays[0].dates[0] (line 2): 2026-12-31 is not in 2027"}},
		{"holiday twice", "year: 2027\nholidays:\n  - {name: a, dates: [2027-01-01]}\n  - {name: b, dates: [2027-01-01]}\n", []string{"holidays[1].dates[0] (line 4): 2027-01-01 is already a day off for a"}},
		{"workday on a weekday", "year: 2027\nholidays: [{name: x, dates: [2027-01-01]}]\nworkdays: [2027-02-03]\n", []string{"workdays[0] (line 3): 2027-02-03 is a Wednesday"}},
		{"workday also a holiday", "year: 2027\nholidays: [{name: x, dates: [2027-02-06]}]\nworkdays: [2027-02-06]\n", []string{"2027-02-06 is a day off for x, not a working day"}},
		{"workday twice", "year: 2027\nholidays: [{name: x, dates: [2027-01-01]}]\nworkdays: [2027-02-06, 2027-02-06]\n", []string{"workdays[1] (line 3): 2027-02-06 listed twice"}},
		{"year twice", calendar2027 + "---\n" + calendar2027, []string{"document 2", "year: 2027 given twice"}},
		{"every problem at once", "year: 2027\nholidays: [{name: x, dates: [2028-01-01]}]\nworkdays: [2027-02-03, 2026-01-04]\n", []string{"2028-01-01 is not in 2027", "2027-02-03 is a Wednesday", "2026-01-04 is not in 2027"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cal, err := workday.Load(strings.NewReader(tt.yaml))
			if err == nil {
				t.Fatalf("Load succeeded: %+v", cal)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not say %q", err, w)
				}
			}
		})
	}
}

func FuzzLoad(f *testing.F) {
	f.Add(calendar2027)
	f.Add("year: 2027\nholidays: [{name: x, dates: [2027-02-06]}]\nworkdays: [2027-02-06]\n")
	f.Fuzz(func(t *testing.T, s string) {
		cal, err := workday.Load(strings.NewReader(s))
		if (cal == nil) == (err == nil) {
			t.Fatalf("Load = %v, %v: want exactly one of a calendar and an error", cal, err)
		}
	})
}
