// Package lifecycle holds the state machines of objections (异议) to credit
// records and of credit repair (信用修复), with the time limits the
// regulations set, counted in working days on a workday.Calendar.
//
// An objection is filed by the person a record is about, on one of a fixed
// list of grounds:
//
//	filed ──accept──▶ accepted ──decide──▶ decided (upheld | corrected | revoked)
//	  └───refuse──▶ refused
//
// The hub accepts or refuses it within 2 working days of its filing; an
// objection on listed grounds is accepted at once, when filed. The source
// department then decides within 10 working days of its acceptance. While
// accepted and undecided, the record is disputed (Objection.Disputed).
//
// A repair application may be submitted once the record's minimum display
// period is over and before its maximum one is, with proof that the
// obligations were fulfilled and a credit commitment:
//
//	submitted ──approve──▶ approved (the record is repaired: display and sharing stop)
//	    └──────refuse───▶ refused, with reasons
//
// It is reviewed within 10 working days of its submission. Display periods are
// counted in months from the deciding document; see Window.
//
// A Desk makes every move. Each move either returns an error and leaves its
// objection or application unchanged, or changes it; what a move does to the
// record itself (a dispute, a correction, a repair) the hub makes through its
// ledger (see package casework). A deadline is the last instant of its day in
// Beijing time (see workday.Calendar.AddWorkdays); Objection.Overdue and
// Repair.Overdue tell whether it is past. Late moves are still allowed: the
// regulations want an answer, and being overdue is how the hub chases it.
//
// A Desk is safe for concurrent use; an Objection or Repair is a plain value
// that the caller must not move concurrently (the hub serialises moves on one
// objection or application, for example in a database transaction).
package lifecycle
