package lifecycle

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/credex/credex/workday"
)

// Period is a display period in months, dated from the deciding document:
// after MinMonths the person may apply for credit repair; after MaxMonths
// display stops by itself; MaxMonths 0 means not displayed. It has the fields
// of the catalogue's period, so a catalog.Period converts to it.
type Period struct {
	MinMonths int `json:"min_months"`
	MaxMonths int `json:"max_months"`
}

// Validate reports whether p is a period: 0 <= MinMonths <= MaxMonths.
func (p Period) Validate() error {
	if p.MinMonths < 0 || p.MinMonths > p.MaxMonths {
		return fmt.Errorf("display period %d to %d months: want 0 <= min_months <= max_months", p.MinMonths, p.MaxMonths)
	}
	return nil
}

// Window returns the ends of the minimum and maximum display periods of a
// record decided at decided: the last instants, in Beijing time, of the days
// MinMonths and MaxMonths months after the date of decided there.
//
// Months are counted as the Civil Code counts periods (arts. 201-203): from the
// day after the decision, a period of m months ends with the day of the m-th
// month after that bears the decision's day of the month, or with that
// month's last day when it has no such day. So a decision of 15 January shown
// for 3 months is shown through 15 April; one of 31 January shown for one
// month, through 28 February (29 in a leap year); one of 29 February 2028
// shown for a year, through 28 February 2029. The minimum period is over once
// a time is After minEnd.
func Window(decided time.Time, p Period) (minEnd, maxEnd time.Time) {
	return addMonths(decided, p.MinMonths), addMonths(decided, p.MaxMonths)
}

// addMonths returns the last instant of the day m months after the date of t,
// in Beijing time, clamped to the end of its month.
func addMonths(t time.Time, m int) time.Time {
	y, mon, d := t.In(workday.Location).Date()
	first := time.Date(y, mon+time.Month(m), 1, 0, 0, 0, 0, workday.Location) // normalised by time.Date
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(d, last), 23, 59, 59, 999_999_999, workday.Location)
}

// RepairRequest is a repair application as the person submits it.
type RepairRequest struct {
	ID       string // assigned by the hub
	RecordID string // the record to repair, whose subject the hub has verified
	// Decided is the date of the record's deciding document and Period its
	// display period, from the catalogue.
	Decided time.Time
	Period  Period
	// Proof shows that the obligations the record imposed were fulfilled (at
	// least one file); Commitment is the signed credit commitment (at least
	// one file). Each list is within the Desk's EvidenceLimits.
	Proof      []Attachment
	Commitment []Attachment
}

// Repair is a credit repair application. Its fields record its history; only
// a Desk moves it.
type Repair struct {
	ID         string       `json:"id"`
	RecordID   string       `json:"record_id"`
	Proof      []Attachment `json:"proof"`
	Commitment []Attachment `json:"commitment"`
	Status     Status       `json:"status"`

	SubmittedAt time.Time `json:"submitted_at"`
	// ReviewBy is the deadline of the review.
	ReviewBy   time.Time `json:"review_by"`
	ReviewedAt time.Time `json:"reviewed_at,omitzero"`
	// Reasons explain a refusal.
	Reasons []string `json:"reasons,omitempty"`
}

// Deadline returns ReviewBy while r awaits review, and the zero time after.
func (r *Repair) Deadline() time.Time {
	if r.Status == Submitted {
		return r.ReviewBy
	}
	return time.Time{}
}

// Overdue reports whether r awaits review past its Deadline at t.
func (r *Repair) Overdue(t time.Time) bool { return overdue(r.Deadline(), t) }

// Submit submits a repair application, due to be reviewed within
// ReviewWithin working days. It refuses with ErrTooEarly until the record's
// minimum display period is over, with ErrDisplayEnded once its maximum one
// is (display has then stopped by itself) or when the record is not
// displayed, and with FieldErrors when material is missing or not
// acceptable (see CheckRepair). When it refuses, nothing is submitted.
func (d *Desk) Submit(req RepairRequest) (*Repair, error) {
	if req.ID == "" || req.RecordID == "" {
		return nil, errors.New("submit repair: an id and a record id are required")
	}
	if err := req.Period.Validate(); err != nil {
		return nil, fmt.Errorf("submit repair of record %s: %w", req.RecordID, err)
	}
	now := d.clock.Now()
	minEnd, maxEnd := Window(req.Decided, req.Period)
	switch {
	case req.Period.MaxMonths == 0:
		return nil, fmt.Errorf("submit repair of record %s: %w: the record is not displayed", req.RecordID, ErrDisplayEnded)
	case !now.After(minEnd):
		return nil, fmt.Errorf("submit repair of record %s: %w: it runs through %s", req.RecordID, ErrTooEarly, minEnd.Format(time.DateOnly))
	case now.After(maxEnd):
		return nil, fmt.Errorf("submit repair of record %s: %w: display stopped after %s", req.RecordID, ErrDisplayEnded, maxEnd.Format(time.DateOnly))
	}
	if errs := d.CheckRepair(req); len(errs) > 0 {
		return nil, fmt.Errorf("submit repair of record %s: %w", req.RecordID, errs)
	}
	return &Repair{
		ID: req.ID, RecordID: req.RecordID,
		Proof: slices.Clone(req.Proof), Commitment: slices.Clone(req.Commitment),
		Status: Submitted, SubmittedAt: now, ReviewBy: d.cal.AddWorkdays(now, ReviewWithin),
	}, nil
}

// CheckRepair returns every problem with the material of req (its proof and
// commitment), or nil; Submit refuses a request with problems.
func (d *Desk) CheckRepair(req RepairRequest) FieldErrors {
	var errs FieldErrors
	if len(req.Proof) == 0 {
		errs = append(errs, FieldError{CodeRequired, "/proof", "attach proof that the obligations were fulfilled"})
	}
	if len(req.Commitment) == 0 {
		errs = append(errs, FieldError{CodeRequired, "/commitment", "attach the signed credit commitment"})
	}
	errs = append(errs, d.evidence.Check("/proof", req.Proof)...)
	return append(errs, d.evidence.Check("/commitment", req.Commitment)...)
}

// Approve approves a submitted application: the record is repaired, no longer
// displayed or shared, and every recipient is told (record.repaired).
func (d *Desk) Approve(r *Repair) error {
	if r.Status != Submitted {
		return r.illegal("approve")
	}
	r.Status, r.ReviewedAt = Approved, d.clock.Now()
	return nil
}

// RefuseRepair refuses a submitted application, for the given reasons (at
// least one and at most MaxRefusalReasons, none blank or longer than
// MaxRefusalReason).
func (d *Desk) RefuseRepair(r *Repair, reasons []string) error {
	if r.Status != Submitted {
		return r.illegal("refuse")
	}
	var errs FieldErrors
	if len(reasons) == 0 {
		errs = append(errs, FieldError{CodeRequired, "/reasons", "give at least one reason for the refusal"})
	}
	if len(reasons) > MaxRefusalReasons {
		errs = append(errs, FieldError{CodeTooMany, "/reasons", fmt.Sprintf("give at most %d reasons", MaxRefusalReasons)})
	}
	for i, reason := range reasons {
		errs = required(errs, fmt.Sprintf("/reasons/%d", i), reason, "a reason")
		errs = TooLong(errs, fmt.Sprintf("/reasons/%d", i), reason, MaxRefusalReason, "a reason")
	}
	if len(errs) > 0 {
		return fmt.Errorf("refuse repair %s: %w", r.ID, errs)
	}
	r.Status, r.ReviewedAt, r.Reasons = Refused, d.clock.Now(), slices.Clone(reasons)
	return nil
}

func (r *Repair) illegal(move string) error {
	return fmt.Errorf("%s repair %s: %w: it is %s", move, r.ID, ErrIllegalMove, r.Status)
}
