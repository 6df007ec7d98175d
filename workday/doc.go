// Package workday is a working-day calendar of the People's Republic of
// China: weekdays are working days, except the public holidays the State
// Council announces each year, and some Saturdays and Sundays are working
// days in exchange (调休, make-up working days).
//
// The regulations set their time limits in working days counted from the day
// after the event: an objection is accepted or refused within 2 working days
// of its filing, a repair application is reviewed within 10. AddWorkdays turns
// such a limit into a deadline, the last instant of the n-th working day after
// the day of the event; something done at time t is on time when
// !t.After(deadline).
//
// Dates are those of Beijing time (UTC+8, Location); the package needs no time
// zone database. Default holds the calendars this package embeds, one file per
// year under data/; Load reads other years in the same YAML shape:
//
//	# source: the notice the dates come from
//	year: 2026
//	holidays:
//	  - name: 春节 Spring Festival
//	    dates: [2026-02-15, 2026-02-16, ...]
//	workdays: [2026-02-14, 2026-02-28]
//
// For a year without data a Calendar knows weekends only; Covers tells callers
// when that is the case so that they can warn.
//
// A Calendar is immutable and safe for concurrent use.
package workday
