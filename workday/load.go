package workday

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

//go:embed data/*.yaml
var data embed.FS

// Default returns the calendar of the years embedded in this package, one
// file per year under data/. Every call returns the same Calendar.
func Default() *Calendar { return embedded() }

var embedded = sync.OnceValue(func() *Calendar {
	c := newCalendar()
	names, _ := fs.Glob(data, "data/*.yaml")
	for _, name := range names {
		b, err := data.ReadFile(name)
		if err == nil {
			err = c.read(bytes.NewReader(b))
		}
		if err != nil {
			panic(fmt.Sprintf("workday: embedded calendar %s: %v", name, err))
		}
	}
	return c
})

// Load reads a calendar: one or more YAML documents separated by "---", each
// describing one year (see the package documentation). Unknown keys are
// errors, and so are a date outside its document's year, a date listed twice,
// a make-up working day that is not a Saturday or Sunday, a holiday that is
// also listed as a working day, and a year given twice. Every problem of a
// document is reported, each with its line.
func Load(r io.Reader) (*Calendar, error) {
	c := newCalendar()
	if err := c.read(r); err != nil {
		return nil, err
	}
	if len(c.years) == 0 {
		return nil, errors.New("workday: calendar: no year given")
	}
	return c, nil
}

func newCalendar() *Calendar {
	return &Calendar{years: map[int]bool{}, holidays: map[day]string{}, workdays: map[day]bool{}}
}

// read adds the years r describes to c, which is not yet shared.
func (c *Calendar) read(r io.Reader) error {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	for doc := 1; ; doc++ {
		var f file
		err := dec.Decode(&f)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err == nil && !f.empty() { // skip empty documents, as around a leading "---"
			err = c.add(f)
		}
		if err != nil {
			return fmt.Errorf("workday: calendar document %d: %w", doc, err)
		}
	}
}

// file is one year of a calendar file.
type file struct {
	Year     int       `yaml:"year"`
	Holidays []holiday `yaml:"holidays"`
	Workdays []date    `yaml:"workdays"`
}

type holiday struct {
	Name  string `yaml:"name"`
	Dates []date `yaml:"dates"`
}

// date is a YYYY-MM-DD date with the line it was read from.
type date struct {
	day
	line int
}

func (d *date) UnmarshalYAML(n *yaml.Node) error {
	t, err := time.Parse(time.DateOnly, n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return fmt.Errorf("line %d: %q is not a date (want YYYY-MM-DD)", n.Line, n.Value)
	}
	*d = date{day{t.Year(), t.Month(), t.Day()}, n.Line}
	return nil
}

func (f *file) empty() bool {
	return f.Year == 0 && f.Holidays == nil && f.Workdays == nil
}

// add checks f and adds its year to c, or reports every problem and leaves c
// unchanged.
func (c *Calendar) add(f file) error {
	switch {
	case f.Year < 1 || f.Year > 9999:
		return fmt.Errorf("year: %d is not a year (want for example 2026)", f.Year)
	case c.years[f.Year]:
		return fmt.Errorf("year: %d given twice", f.Year)
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(f.Holidays) == 0 {
		bad("holidays: none listed for %d", f.Year)
	}
	inYear := func(at string, d date) bool {
		if d.year != f.Year {
			bad("%s (line %d): %s is not in %d", at, d.line, d.day, f.Year)
			return false
		}
		return true
	}
	holidays := map[day]string{}
	for i, h := range f.Holidays {
		at := fmt.Sprintf("holidays[%d]", i)
		if h.Name == "" {
			bad("%s.name: missing", at)
		}
		if len(h.Dates) == 0 {
			bad("%s.dates: none listed", at)
		}
		for j, d := range h.Dates {
			at := fmt.Sprintf("%s.dates[%d]", at, j)
			if !inYear(at, d) {
				continue
			}
			if other, dup := holidays[d.day]; dup {
				bad("%s (line %d): %s is already a day off for %s", at, d.line, d.day, other)
				continue
			}
			holidays[d.day] = h.Name
		}
	}
	workdays := map[day]bool{}
	for i, d := range f.Workdays {
		at := fmt.Sprintf("workdays[%d]", i)
		if !inYear(at, d) {
			continue
		}
		switch name, off := holidays[d.day]; {
		case workdays[d.day]:
			bad("%s (line %d): %s listed twice", at, d.line, d.day)
		case off:
			bad("%s (line %d): %s is a day off for %s, not a working day", at, d.line, d.day, name)
		case !d.weekend():
			bad("%s (line %d): %s is a %s; a make-up working day must be a Saturday or Sunday", at, d.line, d.day, d.start().Weekday())
		default:
			workdays[d.day] = true
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	c.years[f.Year] = true
	for d, name := range holidays {
		c.holidays[d] = name
	}
	for d := range workdays {
		c.workdays[d] = true
	}
	return nil
}
