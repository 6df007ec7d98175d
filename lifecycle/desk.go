package lifecycle

import (
	"cmp"
	"errors"
	"time"

	"github.com/credex/credex/workday"
)

// Time limits of the regulations, in working days.
const (
	AcceptWithin = 2  // the hub accepts or refuses an objection
	DecideWithin = 10 // the source department decides an accepted objection
	ReviewWithin = 10 // a repair application is reviewed
)

// Errors that callers branch on. Moves wrap them with what was refused.
var (
	// ErrInvalid is what FieldErrors unwrap to: the request needs fixing.
	ErrInvalid = errors.New("invalid request")
	// ErrIllegalMove: the move is not allowed in the current state.
	ErrIllegalMove = errors.New("illegal move")
	// ErrTooEarly: the record's minimum display period is not over yet.
	ErrTooEarly = errors.New("minimum display period not over")
	// ErrDisplayEnded: the record is no longer displayed, or never was.
	ErrDisplayEnded = errors.New("display period over")
)

// Clock tells the time of every move.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to Clock: ClockFunc(time.Now) is the real clock.
type ClockFunc func() time.Time

// Now returns f().
func (f ClockFunc) Now() time.Time { return f() }

// Desk moves objections and repair applications through their states, dates
// every deadline on its calendar and stamps every move with its clock. It is
// immutable and safe for concurrent use.
type Desk struct {
	clock    Clock
	cal      *workday.Calendar
	evidence EvidenceLimits
}

// New returns a Desk on clock and cal (nil means workday.Default()) that
// checks attachments against evidence (its zero value means the defaults).
func New(clock Clock, cal *workday.Calendar, evidence EvidenceLimits) *Desk {
	return &Desk{clock: clock, cal: cmp.Or(cal, workday.Default()), evidence: evidence}
}

// overdue reports whether t is past deadline; a zero deadline is never past.
func overdue(deadline, t time.Time) bool {
	return !deadline.IsZero() && t.After(deadline)
}
