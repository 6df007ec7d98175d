package workday

import (
	"fmt"
	"time"
)

// Location is Beijing time, UTC+8 without daylight saving time, in which a
// Calendar reads every date. It matches Asia/Shanghai since 1992.
var Location = time.FixedZone("CST", 8*60*60)

// Calendar knows which days are working days. The zero value knows weekends
// only; Load and Default return calendars with holidays and make-up working
// days for the years they cover.
type Calendar struct {
	years    map[int]bool
	holidays map[day]string // day off → holiday name
	workdays map[day]bool   // Saturdays and Sundays that are working days
}

// Covers reports whether c has holiday data for year. Outside the years it
// covers, c counts every Monday to Friday as a working day.
func (c *Calendar) Covers(year int) bool {
	return c.years[year]
}

// IsWorkday reports whether the date of t in Beijing time is a working day.
func (c *Calendar) IsWorkday(t time.Time) bool {
	return c.isWorkday(dayOf(t))
}

// AddWorkdays returns the deadline n working days after t: the last instant,
// 23:59:59.999999999 Beijing time, of the n-th working day after the date of
// t. The date of t itself never counts, working day or not, so a limit of n
// days always leaves n whole working days. For n == 0 it returns the end of
// the date of t. It panics if n is negative.
func (c *Calendar) AddWorkdays(t time.Time, n int) time.Time {
	if n < 0 {
		panic(fmt.Sprintf("workday: AddWorkdays with negative n %d", n))
	}
	d := dayOf(t)
	for n > 0 {
		d = d.add(1)
		if c.isWorkday(d) {
			n--
		}
	}
	return d.end()
}

// WorkdaysBetween returns the number of working days after the date of a up to
// and including the date of b, both in Beijing time, so that
// WorkdaysBetween(t, c.AddWorkdays(t, n)) == n. It is negative when b is on an
// earlier date than a, and zero on the same date.
func (c *Calendar) WorkdaysBetween(a, b time.Time) int {
	from, to := dayOf(a), dayOf(b)
	sign := 1
	if to.before(from) {
		from, to, sign = to, from, -1
	}
	n := 0
	for d := from.add(1); !to.before(d); d = d.add(1) {
		if c.isWorkday(d) {
			n++
		}
	}
	return sign * n
}

func (c *Calendar) isWorkday(d day) bool {
	if c.workdays[d] {
		return true
	}
	if _, off := c.holidays[d]; off {
		return false
	}
	return !d.weekend()
}

// day is a date of the civil calendar, in Beijing time.
type day struct {
	year  int
	month time.Month
	day   int
}

func dayOf(t time.Time) day {
	y, m, d := t.In(Location).Date()
	return day{y, m, d}
}

func (d day) start() time.Time {
	return time.Date(d.year, d.month, d.day, 0, 0, 0, 0, Location)
}

// end returns the last instant of d.
func (d day) end() time.Time {
	return time.Date(d.year, d.month, d.day, 23, 59, 59, 999_999_999, Location)
}

func (d day) add(days int) day { return dayOf(d.start().AddDate(0, 0, days)) }

func (d day) before(e day) bool { return d.start().Before(e.start()) }

func (d day) weekend() bool {
	w := d.start().Weekday()
	return w == time.Saturday || w == time.Sunday
}

func (d day) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.year, d.month, d.day)
}
