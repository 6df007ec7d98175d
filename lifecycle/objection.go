package lifecycle

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Status is the state of an objection or a repair application.
type Status string

// The states. Filed, Accepted, Refused and Decided are those of objections;
// Submitted, Approved and Refused those of repair applications.
const (
	Filed     Status = "filed"     // awaiting the hub: accept or refuse
	Accepted  Status = "accepted"  // awaiting the source department's decision; the record is disputed
	Decided   Status = "decided"   // decided by the source department (final)
	Refused   Status = "refused"   // refused (final)
	Submitted Status = "submitted" // awaiting review
	Approved  Status = "approved"  // the record is repaired (final)
)

// Grounds are what an objection claims is wrong with a record.
type Grounds string

// The listed grounds.
const (
	GroundsError              Grounds = "error"                           // the record is wrong
	GroundsOmission           Grounds = "omission"                        // the record leaves out something material
	GroundsDuplicate          Grounds = "duplicate"                       // the record duplicates another
	GroundsShouldNotBePublic  Grounds = "should_not_be_public"            // it is displayed but should not be
	GroundsShownPastPeriod    Grounds = "shown_past_period"               // it is displayed past its display period
	GroundsDiffersFromDecider Grounds = "differs_from_deciding_authority" // it differs from the deciding document
)

var grounds = []Grounds{GroundsError, GroundsOmission, GroundsDuplicate, GroundsShouldNotBePublic,
	GroundsShownPastPeriod, GroundsDiffersFromDecider}

// Listed reports whether g is one of the listed grounds.
func (g Grounds) Listed() bool { return slices.Contains(grounds, g) }

// Outcome is the source department's decision on an objection.
type Outcome string

// The outcomes.
const (
	Upheld    Outcome = "upheld"    // the record stands as it is
	Corrected Outcome = "corrected" // the record is corrected
	Revoked   Outcome = "revoked"   // the record is withdrawn
)

// ObjectionRequest is an objection as the person files it.
type ObjectionRequest struct {
	ID       string // assigned by the hub
	RecordID string // the record objected to, whose subject the hub has verified
	// Grounds should be one of the listed grounds; an objection on other
	// grounds is filed for the hub to accept or refuse.
	Grounds   Grounds
	Statement string       // what is wrong, in the person's words; required
	Evidence  []Attachment // optional, within the Desk's EvidenceLimits
}

// Objection is an objection to a credit record. Its fields record its
// history; only a Desk moves it.
type Objection struct {
	ID        string       `json:"id"`
	RecordID  string       `json:"record_id"`
	Grounds   Grounds      `json:"grounds"`
	Statement string       `json:"statement"`
	Evidence  []Attachment `json:"evidence,omitempty"`
	Status    Status       `json:"status"`

	FiledAt time.Time `json:"filed_at"`
	// AcceptBy is the hub's deadline to accept or refuse.
	AcceptBy   time.Time `json:"accept_by"`
	AcceptedAt time.Time `json:"accepted_at,omitzero"`
	// DecideBy is the source department's deadline, set on acceptance.
	DecideBy time.Time `json:"decide_by,omitzero"`
	// ClosedAt is when it was refused or decided.
	ClosedAt time.Time `json:"closed_at,omitzero"`
	Outcome  Outcome   `json:"outcome,omitempty"`
	// Reason explains a refusal or a decision.
	Reason string `json:"reason,omitempty"`
}

// Disputed reports whether o flags its record as disputed: accepted and not
// yet decided.
func (o *Objection) Disputed() bool { return o.Status == Accepted }

// Deadline returns the deadline of the move o awaits: AcceptBy while filed,
// DecideBy while accepted, and the zero time once refused or decided.
func (o *Objection) Deadline() time.Time {
	switch o.Status {
	case Filed:
		return o.AcceptBy
	case Accepted:
		return o.DecideBy
	}
	return time.Time{}
}

// Overdue reports whether o is past its Deadline at t. Who is late follows
// from its Status: the hub while filed, the source department while accepted.
func (o *Objection) Overdue(t time.Time) bool { return overdue(o.Deadline(), t) }

// File files an objection, due to be accepted or refused within AcceptWithin
// working days. An objection on listed grounds is accepted at once;
// otherwise it stays filed for the hub to Accept or Refuse. A request with
// problems (see CheckObjection) is refused with FieldErrors, and nothing is
// filed.
func (d *Desk) File(req ObjectionRequest) (*Objection, error) {
	if req.ID == "" || req.RecordID == "" {
		return nil, errors.New("file objection: an id and a record id are required")
	}
	if errs := d.CheckObjection(req); len(errs) > 0 {
		return nil, fmt.Errorf("file objection on record %s: %w", req.RecordID, errs)
	}
	now := d.clock.Now()
	o := &Objection{
		ID: req.ID, RecordID: req.RecordID, Grounds: req.Grounds, Statement: req.Statement,
		Evidence: slices.Clone(req.Evidence), Status: Filed,
		FiledAt: now, AcceptBy: d.cal.AddWorkdays(now, AcceptWithin),
	}
	if o.Grounds.Listed() {
		d.accept(o, now)
	}
	return o, nil
}

// CheckObjection returns every problem with what req says (its grounds,
// statement and evidence), or nil; File refuses a request with problems.
func (d *Desk) CheckObjection(req ObjectionRequest) FieldErrors {
	errs := required(nil, "/grounds", string(req.Grounds), "the grounds of the objection")
	errs = required(errs, "/statement", req.Statement, "a statement of what is wrong")
	return append(errs, d.evidence.Check("/evidence", req.Evidence)...)
}

// Accept accepts a filed objection: the record is disputed until the source
// department decides, within DecideWithin working days.
func (d *Desk) Accept(o *Objection) error {
	if o.Status != Filed {
		return o.illegal("accept")
	}
	d.accept(o, d.clock.Now())
	return nil
}

func (d *Desk) accept(o *Objection, now time.Time) {
	o.Status, o.AcceptedAt, o.DecideBy = Accepted, now, d.cal.AddWorkdays(now, DecideWithin)
}

// RefuseObjection refuses a filed objection, for the given reason (required).
func (d *Desk) RefuseObjection(o *Objection, reason string) error {
	if o.Status != Filed {
		return o.illegal("refuse")
	}
	if errs := TooLong(required(nil, "/reason", reason, "a reason for the refusal"), "/reason", reason, MaxReason, "the reason"); errs != nil {
		return fmt.Errorf("refuse objection %s: %w", o.ID, errs)
	}
	o.Status, o.ClosedAt, o.Reason = Refused, d.clock.Now(), reason
	return nil
}

// Decide records the source department's decision on an accepted objection,
// with its reason (required, at most MaxReason characters). The record is no longer disputed; for Corrected
// and Revoked the hub changes the record itself.
func (d *Desk) Decide(o *Objection, outcome Outcome, reason string) error {
	if o.Status != Accepted {
		return o.illegal("decide")
	}
	var errs FieldErrors
	if !slices.Contains([]Outcome{Upheld, Corrected, Revoked}, outcome) {
		errs = append(errs, FieldError{CodeNotAllowed, "/outcome", "the outcome is one of upheld, corrected and revoked"})
	}
	errs = required(errs, "/reason", reason, "a reason for the decision")
	errs = TooLong(errs, "/reason", reason, MaxReason, "the reason")
	if len(errs) > 0 {
		return fmt.Errorf("decide objection %s: %w", o.ID, errs)
	}
	o.Status, o.ClosedAt, o.Outcome, o.Reason = Decided, d.clock.Now(), outcome, reason
	return nil
}

func (o *Objection) illegal(move string) error {
	return fmt.Errorf("%s objection %s: %w: it is %s", move, o.ID, ErrIllegalMove, o.Status)
}
