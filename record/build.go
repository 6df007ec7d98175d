package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/lifecycle"
	"github.com/credex/credex/workday"
)

// Build fills in what follows from a record's op and data under its record
// type: the type and catalogue version, for content the subject (keyed
// hash, name, masked ID number) and the display window, and the canonical
// data with its hash. Content must be valid under rt.
//
// Content of a type whose display rules give its payload a period gets a
// window dated from its deciding document (see window); other records get
// none and are displayed for as long as they are active.
func Build(r *Record, rt *catalog.RecordType, subjectKey []byte) error {
	var data any
	if len(bytes.TrimSpace(r.Data)) > 0 {
		var err error
		if data, err = catalog.Decode(r.Data); err != nil {
			return fmt.Errorf("canonical json: %w", err)
		}
	}
	return BuildFrom(r, rt, subjectKey, data)
}

// BuildFrom is Build of a record whose data is already decoded, by
// catalog.Decode: it reads data and writes r.Data, canonical, from it.
func BuildFrom(r *Record, rt *catalog.RecordType, subjectKey []byte, data any) error {
	r.Type, r.CatalogVersion = rt.Code, rt.Version
	r.Display = nil
	if r.Op.Content() {
		name, id, err := rt.SubjectOf(data)
		if err != nil {
			return err
		}
		r.SubjectName, r.SubjectMasked, r.SubjectKey = name, ident.MaskCitizenID(id), SubjectKey(subjectKey, id)
		if p, ok := rt.DisplayPeriodOf(data); ok {
			if r.Display, err = window(data, p); err != nil {
				return fmt.Errorf("display window of %s record: %w", rt.Code, err)
			}
		}
	}
	canonical, err := CanonicalOf(data)
	if err != nil {
		return err
	}
	r.Data, r.ContentHash = canonical, CanonicalHash(r.Op, canonical)
	return nil
}

// window is the display window of a payload shown for period p: from the
// start of its deciding document's date (/decision/date, a Beijing date),
// repairable after the end of the minimum period, displayed while
// From <= t < Until, where Until is the end of the maximum period
// (lifecycle.Window: the last instant of its last day, Beijing time).
//
// A period with MaxMonths 0 means not displayed at all: its window is empty,
// RepairFrom and Until equal From, so the record is never shown and its
// display expires as soon as the expiry scheduler sees it.
func window(data any, p catalog.Period) (*Window, error) {
	from, err := DecidedOf(data)
	if err != nil {
		return nil, err
	}
	if p.MaxMonths == 0 {
		return &Window{From: from, RepairFrom: from, Until: from}, nil
	}
	repairFrom, until := lifecycle.Window(from, lifecycle.Period(p))
	return &Window{From: from, RepairFrom: repairFrom, Until: until}, nil
}

// Decided is the start of the day of a payload's deciding document
// (/decision/date), Beijing time: where its display window starts.
func Decided(data json.RawMessage) (time.Time, error) {
	v, err := catalog.Decode(data)
	if err != nil {
		return time.Time{}, fmt.Errorf("read decision date: %w", err)
	}
	return DecidedOf(v)
}

// DecidedOf is Decided of a payload decoded by catalog.Decode.
func DecidedOf(data any) (time.Time, error) {
	decision, _ := data.(map[string]any)["decision"].(map[string]any)
	date, _ := decision["date"].(string)
	from, err := time.ParseInLocation(time.DateOnly, date, workday.Location)
	if err != nil {
		return time.Time{}, fmt.Errorf("read decision date: %w", err)
	}
	return from, nil
}
