package web

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/workday"
)

// recordView is a record as a page shows it: every ID number masked, its
// type named in the page's language.
type recordView struct {
	ID, Type, TypeName, Class, Department string
	Name, IDNumberMasked                  string
	Disputed                              bool
	// DisplayFrom, RepairFrom and DisplayUntil are dates in Beijing time,
	// empty for a record without a display window.
	DisplayFrom, RepairFrom, DisplayUntil string
	UpdatedAt                             string
	// Fields are the payload's, masked, flattened, but for the subject.
	Fields []field
	// Repairable says the person may apply to repair it (negative and
	// serious dishonesty records).
	Repairable bool
}

// field is one value of a payload, named by its dotted path.
type field struct{ Name, Value string }

// newRecordView is the view of a record of type code (which may no longer
// be in the catalogue) with the payload data, in lang.
func (s *server) newRecordView(lang, id, code, department, name, masked string, disputed bool, data []byte, updated time.Time) recordView {
	v := recordView{ID: id, Type: code, TypeName: code, Department: department, Name: name, IDNumberMasked: masked,
		Disputed: disputed, UpdatedAt: date(updated), Fields: fields(ident.MaskPayload(data))}
	if t, ok := s.Catalog.Type(code); ok {
		v.TypeName, v.Class = typeName(lang, t), string(t.Class)
		v.Repairable = t.Class == catalog.Negative || t.Class == catalog.SeriousDishonesty
	}
	return v
}

// window sets the display window of v.
func (v *recordView) window(from, repairFrom, until *time.Time) {
	if from != nil && repairFrom != nil && until != nil {
		v.DisplayFrom, v.RepairFrom, v.DisplayUntil = date(*from), date(*repairFrom), date(*until)
	}
}

// typeName is the name of t in lang.
func typeName(lang string, t *catalog.RecordType) string {
	if lang == en && t.NameEN != "" {
		return t.NameEN
	}
	return t.NameZH
}

// date is t's date in Beijing time, as 2006-01-02.
func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(workday.Location).Format(time.DateOnly)
}

// fields flattens a JSON object into its leaves, sorted by path; the
// subject, shown apart, is left out. Text that is not an object has none.
func fields(data json.RawMessage) []field {
	var v map[string]any
	if json.Unmarshal(data, &v) != nil {
		return nil
	}
	delete(v, "subject")
	var out []field
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				walk(strings.TrimPrefix(prefix+"."+k, "."), v[k])
			}
		case []any:
			parts := make([]string, 0, len(v))
			for _, e := range v {
				if b, err := json.Marshal(e); err == nil {
					parts = append(parts, strings.Trim(string(b), `"`))
				}
			}
			out = append(out, field{prefix, strings.Join(parts, ", ")})
		case nil:
		default:
			out = append(out, field{prefix, fmt.Sprint(v)})
		}
	}
	walk("", v)
	return out
}

// deadline is a deadline as a page shows it: the date, and how many
// working days are left from today.
type deadline struct {
	Date string
	// DaysLeft are the working days from today to it, 0 on the day; Past
	// says it has passed.
	DaysLeft int
	Past     bool
}

// deadlineOf is the deadline t seen at now, counted on the calendar.
func (s *server) deadlineOf(t time.Time) *deadline {
	if t.IsZero() {
		return nil
	}
	now := s.now()
	if !now.Before(t) {
		return &deadline{Date: date(t), Past: true}
	}
	return &deadline{Date: date(t), DaysLeft: s.Calendar.WorkdaysBetween(now, t)}
}

// clientAddr is the IP address of the connection's peer, which look-ups
// are counted against.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
