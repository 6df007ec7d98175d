// Package casework is the workflow of the cases a person opens about one of
// their credit records: objections (异议), which appeal a wrong record, and
// credit repair applications (信用修复), which end the display of a record
// whose minimum display period is over.
//
// Both kinds go the same way, through one Service: the person files a case
// about a record of theirs, having proved who they are with an ID token
// from the identity provider (package idtoken; a filing about someone
// else's record, or naming someone else, is refused without saying which
// part was wrong), and gets a
// tracking token, shown once, by which they read the case afterwards; the
// record's source department lists its cases, with paging, and decides
// them; operators list and read every department's. Each case awaits a
// move by a deadline in working days (package lifecycle); the service's
// clock tells when a case is overdue, and the same count feeds the gauges
// credex_objections_overdue and credex_repairs_overdue.
//
// A change that a case makes to its record (the dispute of an objection,
// its resolution, correction or revocation, the repair of a record) enters
// the ledger in the transaction that stores the case's move (see
// store.Ledger): the two commit together or not at all.
//
// Every read and change of a case is recorded in the audit log before the
// service answers; when it cannot be, the service answers an error and
// discloses nothing. A Service is safe for concurrent use.
package casework
